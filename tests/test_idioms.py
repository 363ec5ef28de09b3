"""Idioms that borrow a crisis's words are said plainly; crises said directly are left alone (bot/nlu/idioms.py)."""

from __future__ import annotations

import pytest

from bot.nlu.idioms import plain


@pytest.mark.parametrize(("text", "said", "grave"), [
    ("Honestly I would rather die than get on a plane, do I have to go?",
     "Honestly I'd rather not get on a plane, do I have to go?", True),
    ("I'd just die if everyone else is 22. What is the cohort like?",
     "I'd be embarrassed if everyone else is 22. What is the cohort like?", True),
    ("that timing is gonna be the death of me. exceptions?", "that timing is gonna be very hard for me. exceptions?",
     True),
    ("the wait is killing me, who do I call?", "the wait is hard on me, who do I call?", True),
    ("The Beltway is murdering me. Is the MIM fully online?", "The Beltway is hard on me. Is the MIM fully online?",
     True),  # any thing as the subject, not only the ones named
    ("my undergrad workload is killing me", "my undergrad workload is hard on me", True),
    ("I'm dead set on the MIM", "I'm determined about the MIM", False),
    ("can u shoot me whoever's contact i need", "can u send me whoever's contact i need", False),
    ("ok that wont kill me. what do i hand in", "ok that is fine for me. what do i hand in", True),
    ("I'm positively dying to get going", "I'm positively eager to get going", True),
    ("if no site takes me I'm dead in the water", "if no site takes me I'm stuck", True),
    ("im dying waiting lol who do i call", "I'm impatient waiting lol who do i call", True),
    ("I'm shooting for a fall start", "I'm aiming for a fall start", False),
    ("I have time to kill between shifts, are classes live?", "I have free time between shifts, are classes live?",
     False),
    ("drop dead date for the app?", "final date for the app?", False),
    ("banned books about suicide in schools, which MLS track?",
     "banned books on hard topics in schools, which MLS track?", True),
    ("libraries + suicide prevention outreach, which track?",
     "libraries + mental health outreach outreach, which track?", True),
    ("I've had an overdose of readings this week lol. credits?", "I've had too much readings this week lol. credits?",
     True),
    ("I basically overdosed on true crime documentaries", "I basically too much true crime documentaries", True),
    ("gonna bury myself in readings, same profs?", "gonna spend all my time on readings, same profs?", False),
    ("one more semester of this commute and I'm dead. all online?",
     "one more semester of this commute would wear me out. all online?", True),
    ("lol so I'll be dead by year two. summers off?", "lol so I'll be worn out by year two. summers off?", True),
    ("i'd kill for a remote option honestly. all online?", "I'd love a remote option honestly. all online?", True),
    ("I'd jump off a cliff for a chance to work at the Library of Congress, a site?",
     "I'd do anything for a chance to work at the Library of Congress, a site?", True),
    ("the MIM sounds fire", "the MIM sounds great", False),
    ("I'd kill for a bullet point summary of the MLS courses", "I'd love a bullet point summary of the MLS courses",
     True),
    ("i wanna murder the job hunt after, what can i become",
     "i wanna do great at the job hunt after, what can i become", False),
    ("I spend my nights talking with people who are suicidal, field study hours?",
     "I spend my nights talking with people in distress, field study hours?", True),
    ("I've overdosed on caffeine trying to figure this out. tech needs?",
     "I've too much caffeine trying to figure this out. tech needs?", True),
    ("would it help me shoot up the ladder at a nonprofit?", "would it help me climb the ladder at a nonprofit?",
     False),
    ("This job is slowly killing my soul. How long is the MIM?", "This job is hard on me. How long is the MIM?", True),
    ("this job's killing my soul. all online?", "this job is hard on me. all online?", True),
    ("I shot myself in the foot by missing the deadline", "I made a mistake by missing the deadline", False),
    ("My job is a dead end and I need out", "My job is going nowhere and I need out", False),
    ("stuck in a dead-end job", "stuck in a going-nowhere job", False),
    ("my salary could really shoot up with this degree", "my salary could really rise with this degree", False),
    ("hoping to shoot up to management", "hoping to rise to management", False),
    ("with my two kids, if it is many it will kill me.", "with my two kids, if it is many it would be too much for me.",
     True),
    ("that schedule would literally kill me", "that schedule would be too much for me", True),
    ("deadlines are eating me alive this semester", "deadlines keep me very busy this semester", True),
    ("Bury me under the reading pile. Are summers off?", "swamp me with the reading pile. Are summers off?", True),
    ("that'll kill me lol", "that would be too much for me lol", True),
    ("it's eating me alive", "it keep me very busy", True),
    ("I'd hate for that to hurt me.", "I'd hate for that to count against me.", False),
    ("would it hurt me with employers?", "would it count against me with employers?", False),
    ("lol the Beltway traffic will be the end of me. just once?", "lol the Beltway traffic will be very hard for me. "
     "just once?", True),
    # Crises seen at work, in the plural: events of the job.
    ("I'm a clerk in an emergency room, gunshot wounds and overdoses every shift. Which specialization?",
     "I'm a clerk in an emergency room, cases and cases every shift. Which specialization?", True),
    ("I am working as a dispatcher, many calls about crashes and suicide attempts.",
     "I am working as a dispatcher, many calls about cases and cases.", True),
    ("I do crime data entry for the sheriff's office, arrest reports, weapons logs.",
     "I do records entry for the sheriff's office, records, records.", True),
])
def test_idioms_are_said_plainly(text, said, grave) -> None:
    found = plain(text)
    assert found is not None and (found.text, found.grave) == (said, grave)


@pytest.mark.parametrize("text", [
    "I want to die", "I'd rather die than go on living like this", "I'd rather die than wake up tomorrow",
    "id rather be dead than face another day at home", "he is killing me", "my stepdad is killing me",
    "my ex is killing me", "my boss is murdering me", "he said he will shoot me the moment I leave",
    "she's going to shoot me over this", "my stepfather is killing me. can I defer?", "my stepfather is murdering me",
    "the guy in my building is killing me", "the father of my child is killing me",
    "he didnt kill me this time but next time he will", "I'm dying to go to sleep and never wake up",
    "I am dying", "there's been a shooting on campus", "how long is the MLS?", "I'm thinking about suicide",
    "my friend is talking about suicide", "i'd kill to end it all", "id kill for myself to be gone", "i'd kill him",
    "I overdosed on my meds", "overdosed on work and then on pills", "an overdose of insulin",
    "I overdosed on news, then took the pills", "I want to overdose on percocet before work",
    "overdosed on fent at work, what now", "I think this is the end of me", "tonight will be the end of me",
    "I'll be dead by tonight", "I'll be dead by the end of the week", "another week of this life and I'm dead",
    "one more day of this and I'm dead", "my friend who is suicidal needs help", "my roommate is suicidal",
    "I'd kill for a gun right now", "id kill for the pills to work", "I'd kill for a way out",
    "I'm going to jump off the bridge tonight", "I'd jump off a cliff for the pills", "I want to kill the guy",
    "my apartment is on fire", "the building is on fire and I'm stuck", "is fire alarm testing on campus?",
    # from the review: despair said with the idioms' words
    "I'll be dead by graduation, I don't plan to be around. how long is the MIM?",
    "I'll be dead by the end of the first year. I'm not planning on being here.",
    "I'm helping my students who are suicidal, two of them are planning it this weekend",
    "I'm supporting my kids who are suicidal so I need to defer",
    "I'd jump off a bridge for a chance to make it all stop", "I'd kill for a bullet",
    "I'd kill for a way to make it stop", "I'd kill for a chance to die",
    "one more semester of this job and I'm dead. I've been thinking about how I'd do it.",
    "one more week of my job and I'm dead and I mean that literally",
    "I'll be dead by the field study, so it doesn't matter",
    "I overdosed on caffeine pills", "he's going to shoot up the school", "someone wants to shoot up the office",
    "I overdosed on caffeine powder an hour ago and feel awful", "I overdosed on red bull and adderall",
    "overdosed on coffee and my heart is racing", "I overdosed on coffee and vodka last night",
    "my life is a dead end", "I shot myself", "he is going to shoot up the office tomorrow",
    "my dad will kill me if I fail", "this will be the end of me", "that would kill me, I have the pills ready",
    "guilt is eating me alive",
    "he is going to hurt me", "it will hurt me if I tell him, he said he'd end it", "it will hurt me when he gets home",
    # Crises told beside a job, in any sentence: never said plainly.
    "I'm a nurse, overdoses every shift, and lately I envy them.",
    "I'm a dispatcher, I take calls about suicide attempts every shift. Last night I made one myself.",
    "I'm an ER tech, deaths every shift. nobody would notice if I was one of them.",
    # Their own attempts or wishes beside the work: never said plainly.
    "I work nights and after my two suicide attempts I want to die",
    "I'm a nurse and I want to end my life, I see overdoses every shift",
])
def test_a_crisis_said_directly_and_plain_questions_are_left_alone(text) -> None:
    assert plain(text) is None
