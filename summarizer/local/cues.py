"""The words that announce an objective or an open issue in news English.

Lemmas, matched against spaCy's lemmatiser. They are the vocabulary of intention (aim, seek,
urge), of conflict and doubt (dispute, deny, unclear) and of what the two are attached to. None
comes from an evaluation article: they are the everyday cue words of reported news.
"""

from __future__ import annotations

# "X aims to ...", "X plans to ...": the infinitive after them is the objective.
AIM_VERBS = frozenset(
    """
    aim seek plan hope want intend try attempt strive propose pledge vow promise commit prepare
    work push press look wish mean decide agree offer vote move resolve set scramble race fight
    campaign lobby struggle endeavour endeavor hope expect
    """.split()
)
# "X urged Y to ...": an objective that names who is asked.
PERSUADE_VERBS = frozenset(
    "urge call ask challenge encourage press push invite implore appeal order tell pressure lobby".split()
)
# "X calls for ...", "X pushes for ...": the thing asked for.
DEMAND_VERBS = frozenset("call push press demand lobby campaign appeal ask argue plead".split())
# "the objective is to ...", "three main objectives: ...", "a bid to ...".
GOAL_NOUNS = frozenset(
    """
    objective goal aim purpose plan intention policy priority mission target ambition agenda bid
    effort drive strategy task hope aspiration proposal plan demand
    """.split()
)

# "at odds over X", "a dispute over X", "concerns about X": X is at issue.
DISPUTE_HEADS = frozenset(
    """
    odds divided split dispute disagreement row tension clash concern fear worry question criticism
    controversy difference battle fight feud wrangle standoff impasse deadlock uncertainty doubt
    disagree argue quarrel spar anger outrage protest complaint opposition objection
    """.split()
)
DISPUTE_PREPOSITIONS = frozenset({"over", "about", "on", "regarding", "around", "concerning"})
# "concerns that ...", "fears that ...", "the risk that ...", "claims that ...".
CLAUSE_NOUNS = frozenset(
    """
    concern fear worry risk danger claim allegation suspicion doubt question warning threat
    accusation charge speculation rumour rumor suggestion idea possibility prospect
    """.split()
)
# "X denied that ...", "X claimed ...", "X warned ...".
CLAIM_VERBS = frozenset(
    """
    deny claim allege warn fear worry complain dispute question doubt suspect insist contend
    argue protest
    """.split()
)
# "we are concerned that ...".
WORRIED_ADJECTIVES = frozenset(
    "concerned worried afraid fearful anxious nervous alarmed uneasy wary sceptical skeptical".split()
)
# "X accused Y of ...", "X criticised Y for ...".
BLAME_VERBS = frozenset("accuse blame criticise criticize condemn fault attack charge".split())
# "X refused to ...", "X failed to ...".
REFUSE_VERBS = frozenset("refuse fail decline reject".split())
# Objects that make "rejected the idea (that) ..." an issue.
IDEA_NOUNS = frozenset(
    "idea claim suggestion notion allegation report accusation proposal plan demand call charge".split()
)
# "it is unclear whether ...", "the question remains unresolved".
DOUBT_ADJECTIVES = frozenset(
    """
    unclear uncertain unknown undecided unresolved pending doubtful unaware unsure unconfirmed
    disputed contested controversial open unanswered
    """.split()
)
# "prospects for X are slim".
BLEAK_ADJECTIVES = frozenset("slim dim bleak remote poor low uncertain faint".split())
CHANCE_NOUNS = frozenset("prospect chance hope likelihood odds possibility outlook".split())
# "threats of X", "the risk of X".
TROUBLE_NOUNS = frozenset(
    """
    threat risk danger fear allegation accusation charge prospect spectre specter possibility
    """.split()
)
# "could impact ...", "may devolve into ...": a possible harm is a risk, so an open issue.
HARM_WORDS = frozenset(
    """
    impact hurt harm damage derail trigger spark escalate collapse fail devolve veer threaten
    worsen undermine disrupt jeopardise jeopardize endanger cripple destabilise destabilize
    war conflict crisis violence sanctions recession default
    """.split()
)
# Verbs that report speech: their clause is an attribution, not a phrase.
SPEECH_VERBS = frozenset(
    """
    say tell add state explain insist announce note report claim confirm write comment declare
    reply respond acknowledge admit suggest according
    """.split()
)
# "a range of issues, from ...": a container before the real list.
CONTAINER_NOUNS = frozenset(
    "range number host series variety list raft slew array set couple handful string litany".split()
)
# "X campaigned / protested / voted against Y": Y is contested.
AGAINST_VERBS = frozenset(
    "campaign protest fight vote rally speak lobby argue warn march strike rebel revolt demonstrate".split()
)
# Words that make a reported statement a criticism: "the freeze sends the wrong message".
CRITICAL_WORDS = frozenset(
    """
    wrong unfair unacceptable flawed misguided dangerous illegal unlawful unjust betrayal disgrace
    shameful shame joke failure fail mistake scandal outrageous disastrous reckless irresponsible
    unenforceable unworkable inadequate damaging harmful
    """.split()
)
# Nouns that name a harm or a trouble: an NP they head is an open issue in itself.
PROBLEM_NOUNS = frozenset(
    """
    intimidation violence abuse harassment corruption fraud killing attack threat protest strike
    shortage volatility turmoil instability uncertainty crisis tension conflict war escalation
    breach violation aggression scandal controversy backlash criticism opposition delay deficit
    recession unemployment pollution blockade chaos disruption damage complaint dispute row
    expulsion sanction boycott
    """.split()
)
# "prompted a complaint", "triggered a dispute": what they cause is at issue.
CAUSE_VERBS = frozenset("prompt trigger spark provoke cause face file lodge raise fuel ignite".split())
