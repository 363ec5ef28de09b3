"""Figures of speech that borrow the words of a crisis, said plainly.

"I'd rather die than get on a plane, do I really have to go?" asks about the orientation visit; "I'm
shooting for a fall start" about start terms. Read word by word they look like a crisis to the classifier,
and a student who asked about the campus visit gets 911 and a staff page. ``plain`` rewrites the idioms
of a message into plain words ("I'd rather not get on a plane"), so the pipeline can read it a second
time as it is meant (bot/nlu/questions.py). Each idiom is a pattern with what it means; a *grave* one
speaks of dying or killing, and the answer then still says, in one line, that the 988 Lifeline is there.

An idiom is only read as one where its words cannot be a crisis said directly: "rather die than" is not
an idiom before "live", "go on", "wake up" or "be here", "killing me" is one only with a thing as its
subject ("the wait is killing me", not "he is killing me"), and the crisis phrases of data/nlu/crisis.yml
stay a crisis whatever surrounds them, but for one: "overdose" of a thing no one can swallow ("an overdose of
readings"), said plainly with the 988 line kept.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import List, Optional, Tuple

# No drug named in the rest of the sentence ("overdosed on work and pills" stays a crisis), nor a time or the body's
# alarm ("overdosed on caffeine powder an hour ago and feel awful").
_NO_DRUG_AHEAD = r"(?![^.?!]*\b(?:pills?|tablets?|meds|medications?|medicine|drugs?|tylenol|paracetamol|" \
                 r"acetaminophen|ibuprofen|advil|aspirin|insulin|heroin|fentanyl|opioids?|painkillers?|alcohol|" \
                 r"antidepressants?|sleeping|xanax|benadryl|adderall|stimulants?|powder|ago|heart|chest|dizzy|" \
                 r"vomit\w*|throwing\s+up|hospital|er|911|awful|sick|purpose|intentionally|vodka|whiske?y|beer|wine|" \
                 r"booze|liquor|tequila|rum|shots)\b)"
# Nothing grave in the rest of the sentence ("I'll be dead by graduation, I don't plan to be around", "I'd kill for a
# way to make it stop"): the idioms that borrow dying or killing stay unread before these; being dead by a time,
# nowhere after it ("I'll be dead by year two. I'm not planning on being here").
_GRAVE_AFTER = (r"stop|end|ends|ending|pain|peace|sleep|wake|die|dying|dead|gone|over|never|heaven|afterlife|hurt|"
                r"bullet(?!\s+(?:points?|list))|noose|razor|blade|overdose|courage|plan|plans|planning|around|here|"
                r"serious|seriously|joking|decided|make\s+sure|guns?|knife|pills?|rope|alive|live|living|suicide|"
                r"literally|mean\s+(?:it|that)|do\s+it|matters?|bother|no\s+point")
_NO_GRAVE_AHEAD = rf"(?![^.?!]*\b(?:{_GRAVE_AFTER})\b)"
_NO_GRAVE_LATER = rf"(?![\s\S]*\b(?:{_GRAVE_AFTER})\b)"
# What follows "rather die than" in a real crisis: living itself.
_LIVING = r"(?!\s+(?:\w+\s+){0,3}?(?:live|living|life|alive|go\s+on|going\s+on|wake|waking|exist|be\s+here|face|" \
          r"keep\s+going|go\s+back|return|see\s+(?:him|her|them)))"
# A thing, not a person, as the subject of "is killing me": named one by one (a person may really be).
_THING = r"(?:waiting|the\s+wait|wait|suspense|this\s+wait|work|my\s+job|the\s+job|commute|my\s+commute|" \
         r"the\s+commute|traffic|the\s+flight|this\s+job|this\s+commute|this\s+work|this\s+flight|the\s+drive|" \
         r"the\s+cost|the\s+price|tuition|" \
         r"that\s+timing|the\s+timing|this\s+timing|my\s+schedule|the\s+schedule|not\s+knowing|the\s+anticipation|" \
         r"studying|homework|this\s+heat|my\s+back|my\s+feet|the\s+paperwork|it|this|that|the\s+beltway|" \
         r"(?:my|the|this)\s+(?:undergrad\s+)?(?:workload|coursework|readings|deadlines?|exams?|finals|" \
         r"classes|class|thesis|rent|drive|bus|train|shift|shifts|hours|inbox))"


@dataclass(frozen=True)
class Idiom:
    """A pattern, what it means in plain words, and whether it speaks of dying or killing."""

    pattern: re.Pattern[str]
    plain: str
    grave: bool


def _idiom(pattern: str, plain: str, grave: bool = True) -> Idiom:
    return Idiom(re.compile(rf"(?<![\w'-]){pattern}(?![\w-])", re.IGNORECASE), plain, grave)


IDIOMS: Tuple[Idiom, ...] = (
    _idiom(r"(?:i'?d|id|i\s+would)\s+(?:honestly\s+|literally\s+|just\s+)?(?:rather|sooner)\s+"
           r"(?:die|be\s+dead)\s+than" + _LIVING, r"I'd rather not"),
    _idiom(r"(?:i'?d|i\s+would|i'?m\s+gonna|i'?m\s+going\s+to|i\s+will|i'?ll)\s+(?:just\s+|literally\s+)?die"
           r"(?=\s+(?:if|of\s+(?:embarrassment|shame|boredom|laughter))\b)", r"I'd be embarrassed"),
    _idiom(r"(?:be|is|are|was|will\s+be)\s+the\s+death\s+of\s+me", r"be very hard for me"),
    # Only ahead, of a thing: "the Beltway traffic will be the end of me" ("this is the end of me", "tonight will be
    # the end of me" stay as they are).
    _idiom(r"((?:the|this|that|my)\s+(?:\w+\s+)?(?:traffic|commute|drive|flight|travel|trip|beltway|workload|"
           r"schedule|readings?|deadlines?|homework|pace))\s+(?:will|would|'ll|'d|is\s+(?:going\s+to|gonna))\s+be\s+the\s+"
           r"end\s+of\s+me" + _NO_GRAVE_AHEAD, r"\1 will be very hard for me"),
    _idiom(r"dead\s+in\s+the\s+water", r"stuck"),
    _idiom(r"(?:i'?d|id|i\s+would|i\s+will|i'?ll)\s+(?:literally\s+|honestly\s+|just\s+)?die\s+happy",
           r"I'd be thrilled"),
    _idiom(rf"({_THING})(?:\s+is|'s|\s+s)\s+(?:slowly\s+|literally\s+|really\s+)?(?:killing|murdering)\s+(?:me|my\s+soul)",
           r"\1 is hard on me"),
    # A thing that will or would be too much: "if it is many it will kill me", "that schedule would kill me".
    _idiom(rf"({_THING}|(?:that|this|the)\s+(?:schedule|pace|workload|commute|course\s+load|load))(?:\s+(?:will|would|"
           r"is\s+(?:going\s+to|gonna)|might|could)|'ll|'d)\s+(?:literally\s+|totally\s+|probably\s+|honestly\s+|actually\s+)?"
           r"kill\s+me" + _NO_GRAVE_AHEAD, r"\1 would be too much for me"),
    # Overwhelmed by a load: "deadlines are eating me alive", "this job is eating me alive" (never a person, nor guilt
    # or grief).
    _idiom(rf"({_THING}|(?:all\s+(?:the|these|my)\s+)?(?:deadlines|exams|finals|classes|assignments|papers|bills|"
           r"readings|shifts|work|school|emails|meetings))(?:\s+(?:is|are|has\s+been|have\s+been|keeps?)|'s|'re)\s+"
           r"(?:literally\s+|just\s+|really\s+)?eating\s+me\s+alive" + _NO_GRAVE_AHEAD, r"\1 keep me very busy"),
    _idiom(r"kill\s+me\s+now", r"oh no"),
    # Doing anything for a chance: "I'd jump off a cliff for a chance to work at the Library of Congress".
    _idiom(r"(?:i'?d|id|i\s+would)\s+(?:literally\s+|honestly\s+)?jump\s+off\s+(?:a|the)\s+(?:cliff|bridge|building|roof)\s+for"
           r"(?=\s+(?:a|the|that|this|one)\s+(?:\w+\s+)?(?:chance\s+to\s+(?:work|study|intern|get\s+in|be\s+(?:in|at|a))|"
           r"(?:spot|seat|job|place|position|internship|opportunity)\s+(?:at|in|with|on)\b)" + _NO_GRAVE_AHEAD + ")",
           r"I'd do anything for"),
    # Doing an activity very well: "murder the job hunt", "kill the interview".
    _idiom(r"(?:kill|killing|murder|murdering|slay|slaying)\s+the\s+(job\s+hunt|job\s+search|interviews?|exams?|tests?|"
           r"presentations?|applications?|portfolio|capstone|field\s+study|job\s+market)", r"do great at the \1",
           grave=False),
    # Wanting a thing badly: "I'd kill for a remote option". A thing follows ("kill for myself to be gone", "kill for
    # a gun" stay as they are).
    _idiom(r"(?:i'?d|id|i\s+would)\s+(?:literally\s+|honestly\s+|totally\s+)?kill\s+for(?=\s+(?:an?|the|some|more|one|"
           r"this|that)\s+(?!(?:\w+\s+)?(?:guns?|knife|knives|weapons?|pills?|rope|bottle|way|end|bullet(?!\s+points?)|noose|"
           r"razor|"
           r"blade|reason|chance\s+to\s+die)\b)" + _NO_GRAVE_AHEAD + ")", r"I'd love"),
    _idiom(r"(?:i'?m|im|i\s+am)\s+(?:literally\s+)?dying(?=\s+(?:waiting|to\s+know|to\s+hear|of\s+curiosity|"
           r"over\s+here|lol|haha)\b)", r"I'm impatient"),
    _idiom(r"dying\s+to(?=\s+(?:know|hear|start|find\s+out|get\s+(?:started|going|in)|apply|begin|learn|enroll)\b)",
           r"eager to"),
    _idiom(r"(?:bored|scared|worried|stressed)\s+to\s+death", r"very worried"),
    # Worn out by a stretch of study or work still ahead: "one more semester of this commute and I'm dead", "I'll be
    # dead by year two lol". A stretch or a milestone of the program, never a time of day ("dead by tonight").
    _idiom(r"((?:one|1)\s+more|another)\s+(semester|year|month|week|term|round|day)\s+of\s+((?:this|my|the|these)\s+(?:[\w-]+\s+)?"
           r"(?:commute|drive|driving|traffic|job|work|shifts?|schedule|workload|coursework|class(?:es)?|courses?|"
           r"homework|readings?|school|studying|exams?|finals|overtime|boss|office))\s+and\s+"
           r"(?:i'?m|im|i\s+am|i'?ll\s+be|i\s+will\s+be)\s+(?:literally\s+)?dead" + _NO_GRAVE_LATER,
           r"\1 \2 of \3 would wear me out"),
    _idiom(r"(?:i'?ll|i\s+will|i'?m\s+gonna|i'?m\s+going\s+to)\s+be\s+(?:literally\s+)?dead\s+by\s+((?:the\s+end\s+of\s+)?"
           r"(?:year\s+(?:one|two|three|1|2|3)|(?:the\s+)?(?:first|second|third)\s+(?:year|semester|summer)|"
           r"semester\s+(?:two|three|2|3)|midterms|finals|graduation|the\s+(?:field\s+study|capstone|second\s+summer)))"
           + _NO_GRAVE_LATER,
           r"I'll be worn out by \1"),
    # People in crisis as the work of a counselor, nurse or volunteer ("I spend my nights talking with people who are
    # suicidal"): people in general, never one person ("my friend who is suicidal" stays a crisis).
    _idiom(r"((?:talk(?:ing|ed)?|work(?:ing|ed)?|speak(?:ing)?)\s+(?:with|to)|counsel(?:l?ing)?|help(?:ing)?|"
           r"support(?:ing)?|treat(?:ing)?|car(?:e|ing)\s+for|answer(?:ing)?\s+calls\s+from|serv(?:e|ing))\s+"
           r"((?:(?!my|our|his|her|their|both|two|three|four|these|those|some)\w+\s+)?(?:people|clients|patients|callers|students|teens|kids|veterans|folks|youth|adults))\s+who\s+"
           r"(?:are|were|feel|felt)\s+suicidal" + _NO_GRAVE_AHEAD, r"\1 \2 in distress"),
    # Suicide as a subject of study or library work, not a person's own crisis.
    _idiom(r"suicide\s+prevention", r"mental health outreach"),
    _idiom(r"(books?|novels?|literature|stories|titles|research|articles?|resources?|materials?|displays?|"
           r"collections?|awareness)\s+(?:about|on|dealing\s+with|covering|around|related\s+to)\s+(?:teen\s+)?"
           r"(?:suicide|self[\s-]harm)(?:\s+and\s+self[\s-]harm)?", r"\1 on hard topics"),
    _idiom(r"shooting\s+for", r"aiming for", grave=False),
    _idiom(r"sh(?:ot|oot|ooting)\s+myself\s+in\s+the\s+foot", r"made a mistake", grave=False),
    # A job going nowhere ("my job is a dead end", "a dead-end job"), never a life.
    _idiom(r"((?:job|career|position|role|work)\s+(?:is|was|feels\s+like)\s+)(?:a\s+)?dead[\s-]+end",
           r"\1going nowhere", grave=False),
    _idiom(r"dead[\s-]+end(?=\s+(?:job|jobs|career|position|role)\b)", r"going-nowhere", grave=False),
    # Rising: "my salary could really shoot up with this degree", "shoot up to management".
    _idiom(r"((?:salary|salaries|pay|income|earnings|career|prospects|chances|demand)\s+(?:\w+\s+){0,2}?)"
           r"shoot(?:s|ing)?\s+up\b", r"\1rise", grave=False),
    _idiom(r"shoot(?:s|ing)?\s+up\s+to\s+(management|the\s+top|director|senior|a\s+manager)", r"rise to \1",
           grave=False),
    # Rising fast at work: "would it help me shoot up the ladder at a nonprofit?" (never "shoot up the school").
    _idiom(r"shoot(?:ing|s)?\s+up\s+the\s+((?:career\s+|corporate\s+)?(?:ladder|ranks))", r"climb the \1",
           grave=False),
    # Slang praise: "the MIM sounds fire", "that program is lowkey fire" (never "on fire").
    _idiom(r"(sounds?|is|looks?|seems?|was|'s)\s+(?:so\s+|lowkey\s+|straight\s+|actually\s+|kinda\s+|absolutely\s+)?fire"
           r"(?!\s+(?:alarm|drill|exit|department|truck|hazard|safety|code|escape))", r"\1 great", grave=False),
    _idiom(r"(?:take|taking|took)\s+a\s+shot\s+at", r"trying", grave=False),
    _idiom(r"(?:time\s+to\s+kill|kill\s+(?:some\s+)?time)", r"free time", grave=False),
    _idiom(r"drop[\s-]+dead(?=\s+(?:date|deadline|day)\b)", r"final", grave=False),
    _idiom(r"dead\s+set\s+on", r"determined about", grave=False),
    _idiom(r"shoot\s+me(?=\s+(?:an?\s+(?:e-?mail|message|text|note|line|link|dm)|your|whoever'?s?|"
           r"the\s+(?:link|contact|e-?mail|number|info|details))\b)", r"send me", grave=False),
    _idiom(r"(?:it|that|this|that\s+one)\s+(?:won'?t|wont|will\s+not|wouldn'?t|wouldnt)\s+kill\s+me",
           r"that is fine for me"),
    # Dark humour about a pile of work: "bury me under the reading pile".
    _idiom(r"bury\s+me\s+(?:under|in|beneath)(?=\s+(?:the\s+|a\s+|my\s+|all\s+(?:the\s+|my\s+|these\s+)?)?(?:\w+\s+)?"
           r"(?:readings?|reading\s+(?:pile|lists?)|books|work|coursework|homework|papers|assignments|paperwork|pile|"
           r"stack|emails|deadlines)\b)" + _NO_GRAVE_AHEAD, r"swamp me with"),
    # A thing that could harm one's chances: "I'd hate for that to hurt me", "would it hurt me with employers?"; never
    # a person, nor a time ("it will hurt me when he gets home").
    _idiom(r"((?:hate|want|like)\s+for\s+(?:it|that|this)\s+to\s+)hurt\s+me(?=\s*(?:[.?!,]|$))" + _NO_GRAVE_AHEAD,
           r"\1count against me", grave=False),
    _idiom(r"(would|will|could|might|does|can)\s+(it|that|this)\s+hurt\s+me(?=\s+(?:with\s+(?:employers|hiring|"
           r"recruiters|libraries|my\s+career)|professionally|career-wise|in\s+(?:my\s+career|the\s+job\s+market|"
           r"interviews|hiring)|when\s+(?:i\s+)?apply(?:ing)?)\b)" + _NO_GRAVE_AHEAD, r"\1 \2 count against me",
           grave=False),
    _idiom(r"bury(?:ing)?\s+myself\s+in(?=\s+(?:\w+\s+)?(?:readings?|books|work|coursework|homework|papers|"
           r"studies|studying|assignments)\b)", r"spend all my time on", grave=False),
    # Too much of something that is no drug: "an overdose of readings", "overdosed on true crime documentaries". The
    # thing follows at once (a drug named anywhere in the sentence, or any word before the thing, keeps the crisis
    # phrase), and the 988 line stays.
    _idiom(r"(?:an?\s+)?overdos(?:e|ed|ing)\s+(?:of|on)\s+" + _NO_DRUG_AHEAD + r"((?:the\s+|my\s+|true\s+crime\s+)?"
           r"(?:readings?|reading\s+lists?|homework|coursework|emails?|meetings|zoom|documentar(?:y|ies)|shows|tv|"
           r"netflix|podcasts|news|information|info|content|books|novels|studying|screen\s+time|anime|memes|"
           r"caffeine|coffee|espresso|energy\s+drinks|red\s+bull|sugar|candy|chocolate|tea))",
           r"too much \1"),
)


# Crises seen at work, in the plural ("I'm a registration clerk in an emergency room, gunshot wounds, overdoses and
# cardiac arrests every shift", "I work as a dispatcher, many calls about crashes and suicide attempts"): events of
# the job, said plainly as cases. Only in a sentence that names the writer's work, and never in a message that
# speaks of the writer's own attempts, wishes or plans in any of its sentences ("my two suicide attempts", "I tried",
# "lately I envy them", "I want to end it"); wanting a new career is none ("I want to move into data work").
_AT_WORK = re.compile(r"\b(?:i'?m|im|i\s+am)\s+(?:working\s+as\s+|a\s+|an\s+)|\bi\s+(?:work|worked|have\s+worked|'ve\s+"
                      r"worked|do|handle|process|log|file|answer)\s+(?:as|in|at|for|on|with|the|calls|data|records)\b|"
                      r"\b(?:every|each|per|on|my|a|the)\s+shifts?\b|\bcalls?\s+(?:about|for|from)\b|\bat\s+work\b|"
                      r"\bmy\s+(?:job|work)\b|\bcase\s+files\b", re.IGNORECASE)
_SEEN_AT_WORK = re.compile(r"\b(?:gunshot\s+wounds|overdoses|suicides|suicide\s+(?:attempts|calls|cases)|shootings|"
                           r"stabbings|homicides|assaults|deaths|cardiac\s+arrests|(?:car\s+)?crashes|fatalities|murders)\b",
                           re.IGNORECASE)
# Records of such events are work wherever they are named: "crime data entry", "weapons logs", "homicide case files".
_RECORDS = re.compile(r"\b(?:crime|weapons?|arrest|homicide|assault|overdose|death|trauma|suicide)\s+(?:data|logs?|"
                      r"reports?|records?|(?:case\s+)?files?|statistics|stats)\b", re.IGNORECASE)
_OWN = re.compile(r"\b(?:my|our)\s+(?:\w+\s+){0,2}?(?:suicide|overdose|attempt)|\b(?:envy|wish|next|notice|"
                  r"thought\s+about|thinking\s+about|how\s+easy|how\s+much\s+it\s+takes|make\s+it|one\s+of\s+them|"
                  r"myself|morphine|sleep\s+forever)\b|"
                  r"\bi(?:'ve)?\s+(?:tried|attempted)\b|\b(?:" + _GRAVE_AFTER.replace("around|here|", "") + r")\b",
                  re.IGNORECASE)


def _at_work(text: str) -> str:
    """The crises a message names as events of the writer's work, said as cases (see ``_AT_WORK``).

    Never in a message that speaks anywhere of the writer's own attempts, wishes or a plan (``_OWN``): "I'm a
    dispatcher, calls about suicide attempts every shift. Last night I made one myself." stays as it is.
    """
    if _OWN.search(_RECORDS.sub("", _SEEN_AT_WORK.sub("", text))):
        return text
    said = []
    for one in re.split(r"(?<=[.!?])\s+", text):
        one = _RECORDS.sub("records", one)
        said.append(_SEEN_AT_WORK.sub("cases", one) if _AT_WORK.search(one) else one)
    return " ".join(said)


@dataclass(frozen=True)
class Plain:
    """A message with its idioms said plainly, and whether any of them spoke of dying or killing."""

    text: str
    grave: bool


def plain(text: str) -> Optional[Plain]:
    """``text`` with its idioms in plain words, or None when it has none (or only words kept as they are)."""
    grave, changed = False, text
    for idiom in IDIOMS:
        rewritten, count = idiom.pattern.subn(idiom.plain, changed)
        if count and rewritten != changed:
            changed, grave = rewritten, grave or idiom.grave
    at_work = _at_work(changed)
    if at_work != changed:
        changed, grave = at_work, True
    changed = re.sub(r"\s{2,}", " ", changed).strip()
    return Plain(changed, grave) if changed != text.strip() else None


def found(text: str) -> List[str]:
    """The idioms' words as they appear in ``text`` (for logs and tests)."""
    return [m.group(0) for idiom in IDIOMS for m in idiom.pattern.finditer(text)]
