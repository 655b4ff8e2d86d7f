"""General knowledge about names: countries and their other names, titles, honorifics.

Nothing here comes from any article we evaluate on: these are the world's countries and the
everyday words of English news. The lists let the rules tell that "U.S." and "the United
States" are one place, that "Slovakia" stays a place even when the model calls it an
organisation, and that "Secretary" in "Secretary of State" is part of a title.
"""

from __future__ import annotations

import re

# Each line: canonical name | other names. Keys are compared after ``name_key``.
_COUNTRIES = """
Afghanistan
Albania
Algeria
Andorra
Angola
Antigua and Barbuda
Argentina
Armenia
Australia
Austria
Azerbaijan
Bahamas
Bahrain
Bangladesh
Barbados
Belarus | Byelorussia
Belgium
Belize
Benin
Bhutan
Bolivia
Bosnia and Herzegovina | Bosnia | Bosnia-Herzegovina | Bosnia Herzegovina
Botswana
Brazil
Brunei
Bulgaria
Burkina Faso
Burundi
Cambodia
Cameroon
Canada
Cape Verde
Central African Republic
Chad
Chile
China | People's Republic of China | PRC | mainland China
Colombia
Comoros
Congo | Republic of Congo
Democratic Republic of Congo | DR Congo | DRC | Zaire
Costa Rica
Croatia
Cuba
Cyprus
Czech Republic | Czechia
Denmark
Djibouti
Dominica
Dominican Republic
East Timor | Timor-Leste
Ecuador
Egypt
El Salvador
Equatorial Guinea
Eritrea
Estonia
Eswatini | Swaziland
Ethiopia
Fiji
Finland
France
Gabon
Gambia
Georgia
Germany
Ghana
Greece
Grenada
Guatemala
Guinea
Guinea-Bissau
Guyana
Haiti
Honduras
Hungary
Iceland
India
Indonesia
Iran
Iraq
Ireland | Irish Republic | Republic of Ireland | Eire
Israel
Italy
Ivory Coast | Cote d'Ivoire | Côte d'Ivoire
Jamaica
Japan
Jordan
Kazakhstan
Kenya
Kiribati
Kosovo
Kuwait
Kyrgyzstan
Laos
Latvia
Lebanon
Lesotho
Liberia
Libya
Liechtenstein
Lithuania
Luxembourg
Madagascar
Malawi
Malaysia
Maldives
Mali
Malta
Marshall Islands
Mauritania
Mauritius
Mexico
Micronesia
Moldova
Monaco
Mongolia
Montenegro
Morocco
Mozambique
Myanmar | Burma
Namibia
Nauru
Nepal
Netherlands | Holland | the Netherlands
New Zealand
Nicaragua
Niger
Nigeria
North Korea | N. Korea | DPRK | Democratic People's Republic of Korea
North Macedonia | Macedonia
Norway
Oman
Pakistan
Palau
Palestine | Palestinian territories
Panama
Papua New Guinea
Paraguay
Peru
Philippines
Poland
Portugal
Qatar
Romania
Russia | Russian Federation
Rwanda
Saint Lucia
Samoa
San Marino
Saudi Arabia
Senegal
Serbia
Seychelles
Sierra Leone
Singapore
Slovakia | Slovak Republic
Slovenia
Solomon Islands
Somalia
South Africa
South Korea | S. Korea | Republic of Korea
South Sudan
Spain
Sri Lanka
Sudan
Suriname
Sweden
Switzerland
Syria
Taiwan
Tajikistan
Tanzania
Thailand
Togo
Tonga
Trinidad and Tobago | Trinidad
Tunisia
Turkey | Türkiye
Turkmenistan
Tuvalu
Uganda
Ukraine
United Arab Emirates | UAE | U.A.E.
United Kingdom | UK | U.K. | Britain | Great Britain
United States | US | U.S. | USA | U.S.A. | America | United States of America | the States
Uruguay
Uzbekistan
Vanuatu
Vatican | Vatican City | Holy See
Venezuela
Vietnam | Viet Nam
Yemen
Yugoslavia
Zambia
Zimbabwe
England
Scotland
Wales
Northern Ireland
Hong Kong
Puerto Rico
Greenland
Soviet Union | USSR | U.S.S.R.
"""

# National capitals and other world cities that news names without saying what they are.
_CITIES = """
Kabul, Tirana, Algiers, Luanda, Buenos Aires, Yerevan, Canberra, Sydney, Melbourne, Vienna, Baku,
Manama, Dhaka, Minsk, Brussels, Sarajevo, Brasilia, Rio de Janeiro, Sao Paulo, Sofia, Phnom Penh,
Ottawa, Toronto, Montreal, Vancouver, Santiago, Beijing, Shanghai, Hong Kong, Bogota, Zagreb, Havana,
Nicosia, Prague, Copenhagen, Quito, Cairo, Tallinn, Addis Ababa, Helsinki, Paris, Tbilisi, Berlin,
Frankfurt, Munich, Hamburg, Bonn, Accra, Athens, Budapest, Reykjavik, New Delhi, Delhi, Mumbai,
Jakarta, Tehran, Baghdad, Dublin, Jerusalem, Tel Aviv, Rome, Milan, Tokyo, Osaka, Amman, Astana,
Almaty, Nairobi, Pristina, Kuwait City, Bishkek, Riga, Beirut, Tripoli, Vilnius, Luxembourg,
Kuala Lumpur, Valletta, Mexico City, Chisinau, Ulan Bator, Podgorica, Rabat, Maputo, Yangon, Rangoon,
Kathmandu, Amsterdam, The Hague, Rotterdam, Wellington, Auckland, Managua, Abuja, Lagos, Pyongyang,
Skopje, Oslo, Muscat, Islamabad, Karachi, Lahore, Panama City, Lima, Manila, Warsaw, Lisbon, Doha,
Bucharest, Moscow, St Petersburg, Kigali, Riyadh, Dakar, Belgrade, Singapore, Bratislava, Ljubljana,
Mogadishu, Pretoria, Johannesburg, Cape Town, Seoul, Madrid, Barcelona, Colombo, Khartoum, Stockholm,
Bern, Geneva, Zurich, Damascus, Taipei, Dushanbe, Dar es Salaam, Bangkok, Tunis, Ankara, Istanbul,
Ashgabat, Kampala, Kiev, Kyiv, Abu Dhabi, Dubai, London, Washington, New York, Los Angeles, Chicago,
Montevideo, Tashkent, Caracas, Hanoi, Ho Chi Minh City, Sanaa, Lusaka, Harare, Edinburgh, Cardiff,
Belfast, Strasbourg
"""

# Words that name an office or a job when they stand before or beside a name.
ROLE_NOUNS = frozenset(
    """
    adviser advisor agent ambassador analyst anchor archbishop attorney author bishop boss
    captain cardinal ceo cfo chair chairman chairwoman chairperson champion chancellor chief
    coach commander commissioner congressman congresswoman coordinator correspondent councillor
    councilman councilwoman counsel defender delegate deputy diplomat director economist editor
    emir envoy executive founder general goalkeeper governor head host inspector investigator
    judge justice king leader lawmaker lawyer manager marshal mayor member minister mp mep
    negotiator officer official organiser organizer owner pastor police politician pope premier
    president presenter prince princess principal professor prosecutor queen rabbi referee
    regulator representative researcher ruler secretary senator sergeant sheriff speaker
    spokesman spokeswoman spokesperson striker superintendent supremo teacher treasurer trustee
    vice-president viceroy winger witness all-rounder batsman bowler midfielder forward player
    driver rider skipper star veteran activist campaigner candidate commentator historian
    scientist doctor nurse surgeon expert banker trader investor entrepreneur businessman
    businesswoman chef architect engineer designer singer actor actress writer novelist poet
    director-general secretary-general attorney-general governor-general chief executive
    counterpart colleague successor predecessor rival opponent ally aide partner fullback
    """.split()
)

WEEKDAYS_MONTHS = frozenset(
    "monday tuesday wednesday thursday friday saturday sunday january february march april june july "
    "august september october november december jan feb mar apr jun jul aug sep sept oct nov dec".split()
)

# The last word of a name that says what kind of thing it names ("the X Party", "Y Airport").
ORGANIZATION_HEADS = frozenset(
    """
    party council committee ministry department association union league company corporation
    group agency authority commission organisation organization institute university college
    club federation foundation army navy police service office board trust alliance coalition
    movement front society network bureau inc corp ltd plc fund bank
    """.split()
)
PLACE_HEADS = frozenset(
    """
    street avenue road square river sea ocean lake island islands airport stadium park bridge
    valley bay gulf strait mountain mountains province county region district peninsula desert
    coast city town village canal harbour harbor port guesthouse hotel cathedral pacific atlantic
    arctic antarctic mediterranean caribbean
    """.split()
)

# Nouns that can head an apposition about a person without being a job title.
PERSON_NOUNS = frozenset(
    """
    man woman boy girl teenager child resident citizen father mother son daughter brother sister
    husband wife friend student veteran victim suspect survivor widow mayor native
    """.split()
)

# What an organisation is called when the article says what it is.
ORG_ROLE_NOUNS = frozenset(
    """
    group organisation organization party body charity company firm agency union watchdog
    regulator lobby campaign network coalition alliance movement newspaper broadcaster bank
    insurer airline carrier maker manufacturer retailer operator club team side militia
    """.split()
)


def is_role_noun(word: str, kind: str = "person") -> bool:
    """ "minister", "co-founder", "schoolteacher" for a person; "group", "party" for an organisation."""
    word = word.lower()
    nouns = ORG_ROLE_NOUNS if kind == "organization" else ROLE_NOUNS | PERSON_NOUNS
    if word in nouns or word.split("-")[-1] in nouns:
        return True
    return kind != "organization" and any(word.endswith(n) for n in _LONG_ROLE_NOUNS)


# The last word of the name of an event: a competition, a festival, a war.
EVENT_HEADS = frozenset(
    """
    cup games championship championships olympics olympiad tournament trophy prix series festival
    awards marathon open war summit conference expo fair
    """.split()
)

# Courtesy titles that are not part of a name and carry no role.
HONORIFICS = frozenset("mr mrs ms miss dr sir dame lord lady mr. mrs. ms. dr. prof prof. madam".split())

# Tokens that are never a name on their own, however the model labels them.
NOT_NAMES = frozenset(
    """
    i me my we our you your he him his she her it its they them their this that these those
    who whom whose what which there here one ones someone somebody anyone everyone nobody
    monday tuesday wednesday thursday friday saturday sunday today tomorrow yesterday
    january february march april june july august september october november december
    mr mrs ms dr sir state house government republic party department ministry council
    president minister secretary chairman leader chief official police army court
    north south east west northern southern eastern western central
    """.split()
)

_KEY_DROP = re.compile(r"[.'`]")
_KEY_SPACE = re.compile(r"[\s\-_/]+")


def name_key(text: str) -> str:
    """Comparison form of a name: lower case, no dots or apostrophes, no leading article."""
    key = text.strip().casefold().replace("\u2019", "'").removesuffix("'s")
    key = _KEY_SPACE.sub(" ", _KEY_DROP.sub("", key)).strip()
    for article in ("the ", "a ", "an "):
        key = key.removeprefix(article)
    return key


def _build_countries() -> dict[str, str]:
    table: dict[str, str] = {}
    for line in _COUNTRIES.strip().splitlines():
        names = [n.strip() for n in line.split("|")]
        canonical = name_key(names[0])
        for name in names:
            table[name_key(name)] = canonical
    return table


COUNTRY_KEYS: dict[str, str] = _build_countries()


def country_key(text: str) -> str | None:
    """The canonical key of a country (or union of countries) named by ``text``, if it is one."""
    return COUNTRY_KEYS.get(name_key(text))


# Role nouns long enough to recognise inside compounds ("schoolteacher", "policewoman").
_LONG_ROLE_NOUNS = tuple(n for n in ROLE_NOUNS if len(n) >= 6 and "-" not in n)


CITY_KEYS: frozenset[str] = frozenset(name_key(c) for c in _CITIES.replace("\n", " ").split(",") if c.strip())
