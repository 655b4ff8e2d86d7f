from bot.cli import run_main

run_main()
