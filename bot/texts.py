"""Every fixed sentence the assistant says, per language (nl, en, tr, ar, pl, uk), in one place.

Facts never live here: these are frames (intro, headings, refusals, crisis referral, errors). The crisis
help lines are the one exception, and they are checked facts (knowledge/cards/hulplijnen.md cites them).
``text(key, lang, **values)`` falls back to English, then Dutch, when a translation is missing.
Keep sentences short: B1 level, one idea per sentence.
"""

from __future__ import annotations

from typing import Final

TEXTS: Final[dict[str, dict[str, str]]] = {
    # ----- answers ------------------------------------------------------------------------------
    "intro": {
        "nl": "Dit staat in de bronnen:",
        "en": "This is what the sources say:",
    },
    "intro_dutch_quotes": {
        "nl": "Dit staat in de bronnen:",
        "en": "I found this in Dutch sources. The quotes are in Dutch, as the sources are:",
    },
    "sources_label": {"nl": "Bronnen", "en": "Sources"},
    "quote_label": {"nl": "Citaat", "en": "Quote (Dutch)"},
    "checked_label": {"nl": "gecontroleerd", "en": "checked"},
    "based_on_label": {"nl": "gebaseerd op", "en": "based on"},
    "glossary_heading": {"nl": "Wat betekent dit?", "en": "What does this mean?"},
    "steps_heading": {"nl": "Stappen die u kunt zetten:", "en": "Steps you can take:"},
    "steps_from": {
        "nl": "U heeft al met {done} gepraat. De volgende stap:",
        "en": "You already talked to {done}. The next step:",
    },
    "stale_notice": {
        "nl": "Let op: bron [{n}] is van {date}. Regels kunnen sindsdien veranderd zijn.",
        "en": "Note: source [{n}] dates from {date}. Rules may have changed since.",
    },
    "only_stale": {
        "nl": "Dit antwoord steunt alleen op een oudere bron. Vraag bij de school of het samenwerkingsverband "
        "na of het nog klopt.",
        "en": "This answer rests only on an older source. Check with the school or the samenwerkingsverband "
        "whether it still holds.",
    },
    "regional_note": {
        "nl": "Regels verschillen per samenwerkingsverband. Kijk ook in het ondersteuningsplan van uw eigen "
        "samenwerkingsverband.",
        "en": "Rules differ per samenwerkingsverband (regional partnership). Also check the support plan "
        "(ondersteuningsplan) of your own samenwerkingsverband.",
    },
    "disclaimer": {
        "nl": "Dit is algemene informatie uit de genoemde bronnen. Het is geen juridisch advies.",
        "en": "This is general information from the sources listed. It is not legal advice.",
    },
    # ----- refusals -----------------------------------------------------------------------------
    "refuse_no_evidence": {
        "nl": "Op deze vraag kan ik geen betrouwbaar antwoord geven. Het staat niet in mijn bronnen over "
        "passend onderwijs, en ik wil niets verzinnen.",
        "en": "I cannot give a reliable answer to this question. It is not in my sources about passend "
        "onderwijs (special needs education), and I do not want to make anything up.",
    },
    "refuse_off_topic": {
        "nl": "Daar kan ik u niet mee helpen. Ik beantwoord alleen vragen over passend onderwijs: extra "
        "ondersteuning op school, een TLV, het OPP, zorgplicht en wat u kunt doen als u het oneens bent "
        "met de school.",
        "en": "I cannot help you with that. I only answer questions about passend onderwijs (special needs "
        "education): extra support at school, a TLV, the OPP, the school's duty of care, and what you can "
        "do when you disagree with the school.",
    },
    "refuse_injection": {
        "nl": "Ik volg geen opdrachten die in een bericht staan, en ik laat mijn instellingen niet zien. "
        "Ik geef alleen antwoorden met bronnen erbij. Stel gerust een vraag over passend onderwijs.",
        "en": "I do not follow instructions inside a message, and I do not show my settings. I only give "
        "answers with sources. Feel free to ask a question about passend onderwijs.",
    },
    "refuse_privacy": {
        "nl": "Ik kan geen gegevens over een ander kind opzoeken of doorgeven. Ik heb geen toegang tot "
        "dossiers. Alleen de ouders en de school hebben die gegevens.",
        "en": "I cannot look up or share information about another child. I have no access to any "
        "files. Only the parents and the school have that information.",
    },
    "who_can_help": {
        "nl": "Wie kan u verder helpen? De school van uw kind, het ouder- en jeugdsteunpunt van uw "
        "samenwerkingsverband, of de Onderwijsconsulenten.",
        "en": "Who can help you further? Your child's school, the parent and youth support point "
        "(ouder- en jeugdsteunpunt) of your samenwerkingsverband, or the Onderwijsconsulenten "
        "(independent education advisers).",
    },
    "offer": {
        "nl": "Heeft u een vraag over passend onderwijs? Die beantwoord ik graag, met bronnen.",
        "en": "Do you have a question about passend onderwijs? I am happy to answer it, with sources.",
    },
    "clarify": {
        "nl": "Waar gaat uw vraag over? U kunt bijvoorbeeld vragen: 'Hoe krijgt mijn kind een plek op "
        "een speciale school?', 'Wat is een OPP?' of 'De school weigert mijn kind, wat nu?'",
        "en": "What is your question about? You could ask, for example: 'How does my child get a place at "
        "a special school?', 'What is an OPP?' or 'The school refuses my child, what now?'",
    },
    # ----- crisis (help lines: checked facts, see knowledge/cards/hulplijnen.md) -----------------------
    "crisis": {
        "nl": "Is er nu direct gevaar? Bel 112.\n"
        "Denkt uw kind (of u) aan zelfdoding? Bel 113 Zelfmoordpreventie: 113 of gratis 0800-0113, dag en "
        "nacht. Chatten kan op 113.nl.\n"
        "Gaat het om geweld of mishandeling thuis? Bel Veilig Thuis: 0800-2000, gratis en 24 uur per dag.\n"
        "Kinderen en jongeren kunnen zelf gratis en anoniem De Kindertelefoon bellen: 0800-0432.\n"
        "U staat er niet alleen voor. Bel ook vandaag de huisarts of de huisartsenpost. "
        "Vragen over school komen later; die kunnen wachten.",
        "en": "Is there danger right now? Call 112.\n"
        "Is your child (or are you) thinking about suicide? Call 113 Suicide Prevention: 113 or free "
        "0800-0113, day and night. You can also chat at 113.nl.\n"
        "Is it about violence or abuse at home? Call Veilig Thuis: 0800-2000, free, 24 hours a day.\n"
        "Children and young people can call De Kindertelefoon themselves, free and anonymous: 0800-0432.\n"
        "You are not alone. Please also call your GP (huisarts) or the out-of-hours GP service today. "
        "School questions can wait until later.",
    },
    # ----- errors and limits ----------------------------------------------------------------------
    "empty": {
        "nl": "Ik zie nog geen vraag. Typ uw vraag over passend onderwijs.",
        "en": "I do not see a question yet. Please type your question about passend onderwijs.",
    },
    "too_long": {
        "nl": "Uw bericht is te lang voor mij. Kunt u uw vraag korter maken? Maximaal {max} tekens.",
        "en": "Your message is too long for me. Could you make your question shorter? At most {max} characters.",
    },
    "unavailable": {
        "nl": "Het lukt nu even niet om te antwoorden. Probeer het over een paar minuten opnieuw.",
        "en": "I cannot answer right now. Please try again in a few minutes.",
    },
    "rate_limited": {
        "nl": "U stuurt veel berichten kort na elkaar. Wacht een minuut en stel dan uw vraag opnieuw.",
        "en": "You are sending many messages in a short time. Please wait a minute and ask again.",
    },
    "error": {
        "nl": "Er ging iets mis aan mijn kant. Probeer het nog een keer.",
        "en": "Something went wrong on my side. Please try again.",
    },
    "personal_data_warning": {
        "nl": "Tip: u hoeft geen namen, BSN of telefoonnummers te delen. Ik heb ze niet nodig en bewaar ze niet.",
        "en": "Tip: you do not need to share names, BSN or phone numbers. I do not need them and do not keep them.",
    },
}


def _merge_translations() -> None:
    """Add the Turkish, Arabic, Polish and Ukrainian texts kept in ``texts_more.py``."""
    from bot.texts_more import MORE

    for key, variants in MORE.items():
        if key in TEXTS:
            TEXTS[key].update(variants)


_merge_translations()


def pick(table: dict[str, dict[str, str]], key: str, lang: str, **values: object) -> str:
    """Text ``key`` of ``table`` in ``lang`` (English, then Dutch, when missing), with ``values`` filled in.

    Shared by every table of fixed texts (this one and the channels' own), so fallback works the same.
    """
    variants = table[key]
    template = variants.get(lang) or variants.get("en") or variants["nl"]
    return template.format(**values) if values else template


def text(key: str, lang: str, **values: object) -> str:
    """The fixed text ``key`` in ``lang`` (English, then Dutch, when missing), with ``values`` filled in."""
    return pick(TEXTS, key, lang, **values)


def has_translation(key: str, lang: str) -> bool:
    """True when ``key`` has its own text in ``lang`` (used by a test that checks every language)."""
    return lang in TEXTS[key]
