"""Text -> Action Unit training corpus for the text-based AU detector (Cafe-Talk, appendix F).

Every description below was written for this project and mapped to AUs of `aus.VOCABULARY` by hand:
emotions follow the EMFACS prototypes (happiness 6+12, sadness 1+4+15, surprise 1+2+5+26,
fear 1+2+4+5+20+26, anger 4+5+7+23, disgust 9+10+15+17, contempt one-sided 12+14), compound
emotions the prototypes of Du, Tao & Martinez (2014), pain the Prkachin-Solomon units (4, 6/7,
9/10, eye closure). AUs the rig lacks are approximated: drooping lids and eye closure (AU41-43)
by AU45, lip bite (AU32) by AU28, lower-lip depressor (AU16) left out of disgust. Neutral entries
carry no AU. One-sided actions (wink, smirk, one brow) use the sided codes `L45`, `R12`, `L02`.

An entry has a grammatical `form`, and each template a slot that accepts some forms, so sentences
read well with adjectives ("A furious person"), -ing phrases ("A person is closing the eyes"),
noun phrases ("A person is talking with a wink") and verb phrases ("She winks with her left eye").
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from .. import aus

# Forms: adj (furious), neg (not happy: like adj, never intensified), pred (predicative only:
# no longer angry), ing (closing the eyes), noun (a wink). ing entries may add a 3rd-person verb
# phrase after '>' ("closes his eyes"). Line format: `description: AUs | synonym; synonym > verb`.
_DATA = """
[emotion adj]
neutral: - | expressionless; impassive; poker-faced
calm: - | composed; unruffled
happy: AU06 AU12 | glad; pleased
joyful: AU06 AU12 AU25 | joyous; elated
cheerful: AU06 AU12 AU25 | upbeat; chipper; sunny
delighted: AU01 AU02 AU06 AU12 AU25 | thrilled; overjoyed
amused: AU06 AU12 AU14 | entertained; tickled
content: AU12 | contented; fulfilled
proud: AU06 AU12 AU24
triumphant: AU06 AU12 AU25 AU26 | victorious; exultant
excited: AU01 AU02 AU05 AU06 AU12 AU25 | animated; enthusiastic
ecstatic: AU01 AU02 AU06 AU12 AU25 AU26 | euphoric; jubilant
friendly: AU12 | warm; amiable
loving: AU01 AU06 AU12 | affectionate; tender
playful: AU02 AU12 AU14 | frisky
mischievous: R07 R12 R14 | impish; roguish
relieved: AU01 AU12 AU25 | reassured; unburdened
hopeful: AU01 AU02 AU12 | optimistic; expectant
grateful: AU01 AU06 AU12 | thankful; appreciative
smug: R06 R12 R14 | self-satisfied; complacent
confident: AU12 AU24 | self-assured; assured
charmed: AU01 AU02 AU06 AU12 | enchanted; captivated
flirtatious: AU02 AU06 AU12 AU14 | flirty
giggly: AU06 AU07 AU12 AU25 | giddy; bubbly
silly: AU02 AU06 AU12 AU25 AU26 | goofy; zany
dreamy: AU01 AU12 AU45 | starry-eyed; moony
blissful: AU06 AU12 AU45 | rapturous
serene: AU12 | tranquil; peaceful
moved: AU01 AU06 AU12 AU17 | touched
sad: AU01 AU04 AU15 | unhappy; sorrowful; downcast
tearful: AU01 AU04 AU15 AU17 | teary; misty-eyed; weepy
disappointed: AU04 AU15 AU17 | disheartened; dismayed
heartbroken: AU01 AU04 AU06 AU15 AU17 | devastated; crushed
depressed: AU01 AU04 AU15 AU45 | gloomy; despondent; dejected
melancholic: AU01 AU15 | melancholy; blue
miserable: AU01 AU04 AU07 AU15 AU17 | wretched; forlorn
lonely: AU01 AU15 AU17 | lonesome; forsaken
hurt: AU01 AU04 AU15 AU17 AU24 | wounded
regretful: AU01 AU04 AU15 AU24 | remorseful; rueful
guilty: AU01 AU15 AU24 AU28 | guilt-ridden
ashamed: AU01 AU04 AU15 AU17 AU24 | shamefaced; abashed
apologetic: AU01 AU04 AU12 AU24 | contrite; penitent
defeated: AU01 AU15 AU17 AU45 | beaten
resigned: AU01 AU15 AU17 AU24
discouraged: AU01 AU04 AU15 AU17 | demoralized; deflated
sulky: AU04 AU15 AU17 AU18 | sullen; petulant
hopeless: AU01 AU04 AU15 AU17 AU45 | despairing; desolate
nostalgic: AU01 AU12 AU45 | sentimental
sympathetic: AU01 AU04 AU15 AU17 | compassionate; pitying
angry: AU04 AU05 AU07 AU23 | mad; cross; irate
furious: AU04 AU05 AU07 AU10 AU23 AU24 | enraged; livid; fuming
annoyed: AU04 AU07 AU24 | peeved; vexed; bothered
irritated: AU04 AU07 AU23 | aggravated; irked
frustrated: AU04 AU07 AU17 AU24 | fed-up; thwarted
exasperated: AU01 AU04 AU17 AU25
hostile: AU04 AU07 AU10 AU23 | aggressive; belligerent; antagonistic
resentful: AU04 AU07 AU14 AU24 | bitter; embittered
indignant: AU04 AU05 AU07 AU24 | affronted; offended
grumpy: AU04 AU15 AU17 | cranky; grouchy; crabby
stern: AU04 AU17 AU24 | severe; strict; austere
impatient: AU04 AU07 AU14 AU24 | antsy; restless
jealous: AU04 AU07 AU15 AU24 | envious
defiant: AU04 AU17 AU23 AU24 | rebellious; unyielding
threatening: AU04 AU07 AU10 AU23 AU25 | menacing; intimidating
seething: AU04 AU07 AU09 AU23 AU24 | simmering
suspicious: AU04 AU07 AU14 | distrustful; mistrustful
afraid: AU01 AU02 AU04 AU05 AU20 AU25 | scared; frightened; fearful
terrified: AU01 AU02 AU04 AU05 AU07 AU20 AU25 AU26 | petrified; panic-stricken; terror-stricken
anxious: AU01 AU04 AU20 AU24 | uneasy; apprehensive
worried: AU01 AU04 AU17 AU24 | concerned; troubled
nervous: AU01 AU20 AU28 AU45 | jittery; jumpy; edgy
panicked: AU01 AU02 AU04 AU05 AU20 AU25 AU26 | panicky; frantic
alarmed: AU01 AU02 AU05 AU20 AU25 | spooked; unnerved
timid: AU01 AU20 AU24 | meek; timorous
tense: AU04 AU07 AU20 AU23 | strained; uptight
stressed: AU01 AU04 AU07 AU23 AU45 | stressed-out; frazzled; harried
insecure: AU01 AU15 AU20 | unconfident; self-doubting
uncomfortable: AU04 AU14 AU20 | discomfited
desperate: AU01 AU04 AU05 AU20 AU25
paranoid: AU04 AU05 AU07 AU20
surprised: AU01 AU02 AU05 AU25 AU26 | amazed
astonished: AU01 AU02 AU05 AU26 | astounded; flabbergasted; dumbfounded
shocked: AU01 AU02 AU05 AU20 AU25 AU26 | stunned; thunderstruck
startled: AU01 AU02 AU05 AU20 AU45
awestruck: AU01 AU02 AU05 AU25 | awed; wonderstruck
impressed: AU01 AU02 AU15 AU17
curious: AU01 AU02 AU25 | inquisitive; intrigued; interested
incredulous: AU01 AU02 AU05 AU14 | disbelieving
speechless: AU01 AU02 AU05 AU25 AU26
disgusted: AU09 AU10 AU15 AU17 | grossed-out; repulsed
revolted: AU04 AU07 AU09 AU10 AU15 AU17 | repelled; nauseated
contemptuous: R12 R14 | disdainful
scornful: L10 L12 L14 | derisive; mocking
sarcastic: L02 L12 L14 | sardonic; snarky
condescending: AU02 R12 R14 | patronizing; supercilious
arrogant: AU02 AU17 AU24 | haughty; snobbish; conceited
dismissive: R14 AU15 AU17 | disparaging
unimpressed: AU04 AU15 AU17 | underwhelmed
squeamish: AU04 AU09 AU10 AU20 | queasy
nauseous: AU04 AU07 AU09 AU10 AU25
confused: AU04 AU07 | perplexed; baffled; bewildered
puzzled: AU04 R02 | mystified; nonplussed
skeptical: L02 R04 AU14 AU17 | doubtful; dubious; unconvinced
thoughtful: AU04 AU17 AU24 | pensive; contemplative; reflective
focused: AU04 AU07 | intent; absorbed
determined: AU04 AU07 AU17 AU23 AU24 | resolute; steadfast; purposeful
uncertain: AU01 AU02 AU15 AU17 | unsure; hesitant; undecided
bored: AU15 AU17 AU45 | uninterested; listless; disengaged
tired: AU01 AU15 AU45 | weary; worn-out; fatigued
sleepy: AU01 AU25 AU45 | drowsy; groggy
exhausted: AU01 AU15 AU17 AU25 AU45 | drained; spent
attentive: AU01 AU02 AU05 | alert; watchful
dazed: AU01 AU25 AU26 | stupefied; spaced-out
embarrassed: AU06 AU12 AU14 AU24 | red-faced; self-conscious
shy: AU01 AU12 AU24 | bashful; coy
sheepish: AU01 AU12 AU20 AU24
awkward: AU12 AU20 AU24
mortified: AU01 AU04 AU15 AU20 AU24 | humiliated
flustered: AU01 AU12 AU20 AU45 | rattled
agonized: AU04 AU06 AU07 AU09 AU10 AU20 AU25 AU26 | tormented; anguished
happily surprised: AU01 AU02 AU05 AU06 AU12 AU25 | pleasantly surprised; happy and surprised
sad but relieved: AU01 AU04 AU12 AU25 | relieved yet sad
bittersweet: AU01 AU04 AU12 AU17 | wistful
happily disgusted: AU10 AU12 AU25 | amused but grossed-out
sadly fearful: AU01 AU04 AU20 AU25 | sad and scared
sadly angry: AU04 AU15 | sad and angry; angry and hurt
sadly surprised: AU01 AU04 AU25 AU26 | sad and surprised
sadly disgusted: AU04 AU10 | sad and disgusted
fearfully angry: AU04 AU20 AU25 | angry and scared
fearfully surprised: AU01 AU02 AU05 AU20 AU25 | surprised and afraid; scared and surprised
fearfully disgusted: AU01 AU04 AU10 AU20 AU25 | disgusted and afraid
angrily surprised: AU04 AU25 AU26 | surprised and angry
angrily disgusted: AU04 AU10 AU17 | angry and disgusted; disgusted and angry
disgustedly surprised: AU01 AU02 AU05 AU10 | surprised and disgusted
appalled: AU04 AU09 AU10 | aghast
hateful: AU04 AU07 AU10 | spiteful; venomous
horrified: AU01 AU02 AU04 AU05 AU10 AU20 AU25 AU26 | horror-struck
sad and tired: AU01 AU04 AU15 AU45 | tired and sad; weary and sad
surprised and confused: AU01 AU02 AU04 AU05 AU25 | confused and surprised
shocked and sad: AU01 AU04 AU05 AU15 AU25 AU26 | stunned and saddened
anxious but hopeful: AU01 AU02 AU04 AU12 | hopeful but nervous
grudgingly amused: AU04 AU12 AU14 AU24
[emotion neg]
not happy: AU01 AU04 AU15 AU17 | not pleased; not glad
not amused: AU04 AU17 AU24 | unamused
not impressed: AU15 AU17 AU24
not surprised: AU15 AU17 | unsurprised
not confident: AU01 AU15 AU20
not worried: AU12 | unworried
[emotion pred]
in pain: AU04 AU06 AU07 AU09 AU10 AU45
no longer angry: AU12 | not angry anymore
not angry at all: AU01 AU12
no longer sad: AU06 AU12 | not sad anymore; cheered up
no longer afraid: AU01 AU12 AU25 | not scared anymore
not interested at all: AU15 AU17 AU45
angry, not sad: AU04 AU05 AU07 AU23 | angry rather than sad
sad, not angry: AU01 AU04 AU15 | sad rather than angry
surprised, not scared: AU01 AU02 AU05 AU25 AU26 | surprised rather than scared
full of dread: AU01 AU04 AU15 AU20
[emotion ing]
grieving: AU01 AU04 AU06 AU15 AU17 | mourning; in mourning > grieves
crying: AU01 AU04 AU06 AU15 AU17 AU25 | weeping; in tears; shedding tears > cries
sobbing: AU01 AU04 AU06 AU07 AU15 AU17 AU25 AU26 | bawling; weeping loudly > sobs
laughing: AU06 AU12 AU25 AU26 | cracking up; laughing out loud > laughs
giggling: AU06 AU12 AU25 AU45 | tittering > giggles
chuckling: AU06 AU12 AU25 | chortling > chuckles
laughing hysterically: AU06 AU07 AU12 AU25 AU26 AU45 | howling with laughter; laughing uncontrollably
laughing through tears: AU01 AU04 AU06 AU12 AU25
crying with joy: AU01 AU06 AU12 AU25 | weeping with happiness
holding back tears: AU01 AU04 AU17 AU24 | fighting back tears; choking back tears
trying not to laugh: AU06 AU12 AU14 AU24 | suppressing a laugh; stifling a laugh
wincing: AU04 AU06 AU07 AU10 AU45 | flinching > winces
pleading: AU01 AU04 AU15 AU25 | begging > pleads
sighing: AU01 AU15 AU25 | letting out a sigh > sighs
shouting: AU04 AU05 AU07 AU10 AU25 AU26 | yelling > shouts
screaming: AU01 AU02 AU04 AU05 AU20 AU25 AU26 | shrieking > screams
gasping: AU01 AU02 AU05 AU25 AU26 | drawing a sharp breath > gasps
concentrating: AU04 AU07 AU24 | thinking hard > concentrates
nodding off: AU25 AU45 | dozing off > nods off
smiling nervously: AU01 AU12 AU20 | smiling anxiously > smiles nervously
smiling sadly: AU01 AU04 AU12 | smiling through sadness > smiles sadly
[expression adj]
blank-faced: - | deadpan
wide-eyed: AU01 AU02 AU05 | goggle-eyed; saucer-eyed
tight-lipped: AU23 AU24 | close-mouthed
open-mouthed: AU25 AU26 | gaping; slack-jawed
squinty-eyed: AU06 AU07 | narrow-eyed
heavy-lidded: AU45 | droopy-eyed; half-asleep
bleary-eyed: AU07 AU45
purse-lipped: AU18 AU23
pouty: AU15 AU17 AU18
grim-faced: AU04 AU17 AU23 AU24 | stony-faced; grim
smiley: AU06 AU12
dimpled: AU12 AU14
[expression ing]
smiling: AU06 AU12 > smiles
grinning: AU06 AU12 AU25 | smiling broadly > grins
beaming: AU01 AU06 AU12 AU25 | glowing with happiness > beams
smiling politely: AU12 | smiling courteously > smiles politely
forcing a smile: AU12 AU20 | faking a smile > forces a smile
smiling with the eyes: AU06 | smiling only with the eyes > smiles with his eyes
smiling but not with the eyes: AU12 | smiling only with the mouth
trying not to smile: AU12 AU14 AU24 | suppressing a smile; hiding a smile
not smiling: AU15 AU24 | not smiling at all
no longer smiling: AU15 AU17 | not smiling anymore > stops smiling
frowning: AU04 AU15 > frowns
scowling: AU04 AU07 AU23 | glowering > scowls
glaring: AU04 AU05 AU07 | staring angrily > glares
winking: R45 | winking slyly > winks
winking with the left eye: L45 | giving a left-eye wink > winks with his left eye
winking with the right eye: R45 | giving a right-eye wink > winks with his right eye
smirking: R12 R14 | smirking slyly > smirks
squinting: AU06 AU07 | narrowing the eyes > squints
yawning: AU25 AU26 AU45 > yawns
stifling a yawn: AU24 AU26 | suppressing a yawn > stifles a yawn
sneering: AU09 AU10 > sneers
pouting: AU15 AU17 AU18 | sulking > pouts
puckering the lips: AU18 | puckering up > puckers his lips
kissing: AU18 AU22 | making a kissy face > kisses
blowing a kiss: AU12 AU18 AU22 > blows a kiss
whistling: AU18 AU22 | whistling a tune > whistles
biting the lip: AU28 | biting the lower lip; chewing the lip > bites his lip
pressing the lips together: AU24 | pressing the lips tight > presses his lips together
tightening the lips: AU23 | thinning the lips > tightens his lips
sucking in the lips: AU28 | rolling the lips inward > sucks in his lips
raising the eyebrows: AU01 AU02 | lifting the eyebrows; arching the brows > raises his eyebrows
raising one eyebrow: L02 | cocking an eyebrow; arching one eyebrow > raises one eyebrow
raising the right eyebrow: R02 | lifting the right brow > raises his right eyebrow
raising the inner brows: AU01 | lifting the inner eyebrows
lowering the brows: AU04 | knitting the brows; furrowing the brow > furrows his brow
rolling the eyes: AU01 AU02 | rolling the eyes upward > rolls his eyes
blinking: AU45 | blinking rapidly; fluttering the eyelids > blinks
blinking twice: AU45 | blinking two times; double-blinking > blinks twice
closing the eyes: AU45 | shutting the eyes > closes his eyes
squeezing the eyes shut: AU04 AU06 AU07 AU45 | screwing up the eyes > squeezes his eyes shut
widening the eyes: AU05 | opening the eyes wide > widens his eyes
staring: AU05 | staring without blinking > stares
wrinkling the nose: AU09 | scrunching the nose; crinkling the nose > wrinkles his nose
raising the chin: AU17 | pushing up the chin > raises his chin
clenching the teeth: AU10 AU20 AU25 | gritting the teeth > clenches his teeth
opening the mouth: AU25 AU26 | opening the mouth wide > opens his mouth
dropping the jaw: AU25 AU26 | letting the jaw drop > drops his jaw
parting the lips: AU25 | separating the lips slightly > parts his lips
grimacing: AU04 AU07 AU20 AU25 > grimaces
stretching the lips: AU20 | pulling the lips sideways > stretches his lips
showing dimples: AU14 | dimpling the cheeks
raising the cheeks: AU06 | lifting the cheeks > raises his cheeks
raising the upper lip: AU10 | lifting the upper lip; curling the upper lip > raises his upper lip
turning down the mouth corners: AU15 | pulling down the lip corners
tightening the eyelids: AU07 | tensing the eyelids
funneling the lips: AU22 AU25 | rounding the lips
[expression noun]
a blank expression: - | a poker face; an expressionless face
a smile: AU12
a big smile: AU06 AU12 AU25 | a wide smile; a huge smile
a broad smile: AU06 AU12 AU25 AU26 | a beaming smile
a grin: AU06 AU12 AU25 | a cheesy grin
a toothy grin: AU06 AU10 AU12 AU25
a cheeky grin: AU06 AU12 AU14 AU25
a polite smile: AU12 | a courteous smile; a social smile
a fake smile: AU12 | a forced smile; an insincere smile; a phony smile
a genuine smile: AU06 AU12 | a Duchenne smile; a heartfelt smile; a sincere smile
a closed-mouth smile: AU12 AU24 | a tight-lipped smile
a slight smile: AU12 | a faint smile; a small smile; a hint of a smile
a half smile: L12 | a one-sided smile
a crooked smile: R12 R14
a lopsided grin: R06 R12 AU25 | a crooked grin
a dimpled smile: AU06 AU12 AU14
a sad smile: AU01 AU04 AU12 | a melancholy smile
a nervous smile: AU01 AU12 AU20 | an anxious smile
a shy smile: AU12 AU24 | a bashful smile; a timid smile
an embarrassed grin: AU12 AU14 AU20 AU25
nervous laughter: AU01 AU12 AU20 AU25
a smirk: L12 L14 | a sarcastic smirk; a self-satisfied smirk
a right-sided smirk: R12 R14
a wink: L45 | a quick wink
a wink with the right eye: R45 | a right-eye wink
a wink and a smile: L45 AU12
a playful wink: R06 R12 R45
a frown: AU04 AU15
a scowl: AU04 AU07 AU23 | a glower
a glare: AU04 AU05 AU07 | an angry stare; a hard stare
a furrowed brow: AU04 | knitted brows; a knotted brow
a worried brow: AU01 AU04 | a creased forehead
raised eyebrows: AU01 AU02 | lifted eyebrows; lifted brows
one raised eyebrow: R02 | a single raised eyebrow; one arched brow
a raised left eyebrow: L02
a pout: AU15 AU17 AU18 | a sulky pout
a pucker: AU18 | puckered lips
pursed lips: AU18 AU23
a kiss: AU18 AU22 | a kissy face
an O-shaped mouth: AU22 AU25 AU26 | a rounded mouth
a sneer: AU09 AU10 | a curled lip
a one-sided sneer: L09 L10
a snarl: AU04 AU09 AU10 AU25
a grimace: AU04 AU07 AU20 AU25
a pained expression: AU04 AU07 AU10 | a look of pain
a squint: AU06 AU07 | narrowed eyes
a yawn: AU01 AU25 AU26 AU45 | a big yawn; a wide yawn
an eye roll: AU01 AU02 | rolled eyes
a blink: AU45 | a quick blink
a double blink: AU45 | two quick blinks
closed eyes: AU45 | shut eyes; eyes shut
wide eyes: AU05 | wide-open eyes; bulging eyes
a wrinkled nose: AU09 | a scrunched nose; a crinkled nose
sucked-in lips: AU28 | rolled-in lips
a bitten lip: AU28 | a bitten lower lip
pressed lips: AU24 | lips pressed together; compressed lips
tight lips: AU23 | tightened lips
a raised chin: AU17 | a pushed-up chin
a trembling chin: AU15 AU17 | a quivering chin
clenched teeth: AU10 AU20 AU25 | gritted teeth
an open mouth: AU25 AU26 | a gaping mouth
a jaw drop: AU25 AU26 | a dropped jaw; a slack jaw
parted lips: AU25 | slightly parted lips; lips apart
a tense mouth: AU20 AU23 | a strained mouth
a downturned mouth: AU15 | drooping mouth corners; turned-down lips
a puzzled look: AU04 L02 | a quizzical look; a questioning look
a disapproving look: AU04 AU15 AU17 AU24 | a look of disapproval
a guilty look: AU01 AU15 AU24
a look of disgust: AU09 AU10 AU15
a look of surprise: AU01 AU02 AU05 AU26
a look of horror: AU01 AU02 AU04 AU05 AU20 AU25 AU26
a stern look: AU04 AU17 AU24
"""

FORMS = ("adj", "neg", "pred", "ing", "noun")
KINDS = ("emotion", "expression")


@dataclass(frozen=True)
class Entry:
    """One description, its kind (emotion / expression), its AUs and its grammatical form."""

    text: str
    kind: str
    aus: tuple[str, ...]
    form: str
    verb: str | None = None  # 3rd-person verb phrase of an ing entry: "closes his eyes"


def _parse(data: str) -> tuple[list[Entry], dict[str, tuple[str, ...]]]:
    corpus: list[Entry] = []
    synonyms: dict[str, tuple[str, ...]] = {}
    kind = form = ""
    for line in filter(None, (s.strip() for s in data.splitlines())):
        if line.startswith("["):
            kind, form = line.strip("[]").split()
            continue
        line, _, verb = line.partition(">")
        head, _, syns = line.partition("|")
        text, _, codes = head.rpartition(":")
        au_codes = tuple(aus.normalise(c) for c in codes.split() if c != "-")
        corpus.append(Entry(text.strip(), kind, au_codes, form, verb.strip() or None))
        if syns.strip():
            synonyms[text.strip()] = tuple(s.strip() for s in syns.split(";"))
    return corpus, synonyms


CORPUS, SYNONYMS = _parse(_DATA)
ENTRIES: list[tuple[str, str, tuple[str, ...]]] = [(e.text, e.kind, e.aus) for e in CORPUS]
_BY_TEXT = {e.text: e for e in CORPUS}

# Words that grade an adjective without changing which AUs fire.
INTENSITY_WORDS = ("slightly", "a bit", "a little", "somewhat", "fairly", "quite", "rather", "very",
                   "really", "extremely", "deeply", "incredibly", "visibly", "clearly")
_ATTRIBUTIVE_WORDS = tuple(w for w in INTENSITY_WORDS if not w.startswith("a "))

# Table 8 of the paper.
PAPER_TEMPLATES = ("A {} person", "A person looks {}", "A person seems {}", "A man acts like {}",
                   "A woman acts like {}", "A person is {}", "A person behaves {}",
                   "A person is talking with {}")

# Template -> slot; a slot turns a form into the filler it accepts (None: form not accepted).
TEMPLATE_SLOTS: dict[str, str] = {
    "A {} person": "attr", "A person looks {}": "look", "A person seems {}": "look",
    "A man acts like {}": "like", "A woman acts like {}": "like", "A person is {}": "be",
    "A person behaves {}": "behave", "A person is talking with {}": "with",
    "Someone who is {}": "be", "A {} face": "attr", "She looks {}": "look", "He is {}": "be",
    "He appears {}": "look", "A person with {}": "with", "Someone {}": "ing",
    "A person {} while speaking": "ing", "The speaker is {}": "be",
    "A person {}": "verb", "He {}": "verb", "She {}": "verb_her",
}
TEMPLATES: tuple[str, ...] = tuple(TEMPLATE_SLOTS)

# "part": a one-word ing entry used attributively ("A yawning person").
SLOT_FORMS: dict[str, dict[str, str]] = {
    "attr": {"adj": "{}", "neg": "{}", "part": "{}"},
    "look": {"adj": "{}", "neg": "{}", "pred": "{}"},
    "be": {"adj": "{}", "neg": "{}", "pred": "{}", "ing": "{}"},
    "like": {"adj": "a {} person", "neg": "someone {}", "pred": "someone {}", "ing": "someone {}",
             "noun": "someone with {}"},
    "behave": {"adj": "as if {}", "neg": "as if {}", "pred": "as if {}", "ing": "like someone {}"},
    "with": {"adj": "a {} expression", "noun": "{}"},
    "ing": {"ing": "{}"},
    "verb": {"verb": "{}"},
    "verb_her": {"verb": "{}"},
}


def _fix_articles(sentence: str) -> str:
    def repl(m: re.Match) -> str:
        art, word = m.group(1), m.group(2)
        vowel = word[0].lower() in "aeiou" and not word.lower().startswith(("one", "uni", "use", "usu", "eu"))
        return (art[0] + ("n" if vowel else "")) + " " + word
    return re.sub(r"\b([Aa]n?) ([A-Za-z][\w'-]*)", repl, sentence)


def _as_entry(e: Entry | tuple) -> Entry:
    if isinstance(e, Entry):
        return e
    if e[0] not in _BY_TEXT:
        raise ValueError(f"'{e[0]}' is not a corpus entry: pass Entry objects for new descriptions")
    return _BY_TEXT[e[0]]


def _fillers(entry: Entry, slot: str, with_synonyms: bool) -> list[tuple[str, str]]:
    """(surface phrase, form) pairs an entry offers a slot."""
    if slot.startswith("verb"):
        if entry.verb is None:
            return []
        verb = entry.verb
        if slot == "verb_her":
            verb = re.sub(r"\bhis\b", "her", re.sub(r"\bhimself\b", "herself", verb))
        return [(verb, "verb")]
    surfaces = [entry.text] + list(SYNONYMS.get(entry.text, ()) if with_synonyms else ())
    out = []
    for s in surfaces:
        form = "part" if entry.form == "ing" and " " not in s and slot == "attr" else entry.form
        if form in SLOT_FORMS[slot]:
            out.append((s, form))
    return out


def expand(rng: np.random.Generator, entries: list[Entry] | None = None, with_synonyms: bool = True,
           intensity: float = 0.3) -> list[tuple[str, tuple[str, ...], str]]:
    """Every entry (and synonym) in every template that reads well with it: (sentence, AUs, description).

    With probability `intensity` a one-word adjective gets an intensity word ("a very furious
    person"), drawn from `rng`; the AUs stay those of the entry.
    """
    rows = []
    for entry in map(_as_entry, CORPUS if entries is None else entries):
        for template in TEMPLATES:
            slot = TEMPLATE_SLOTS[template]
            for surface, form in _fillers(entry, slot, with_synonyms):
                if rng.random() < intensity and form == "adj" and " " not in surface:
                    # "a bit" reads after a verb ("looks a bit tired"), not after an article
                    words = _ATTRIBUTIVE_WORDS if slot in ("attr", "like", "with") else INTENSITY_WORDS
                    surface = f"{words[rng.integers(len(words))]} {surface}"
                sentence = template.format(SLOT_FORMS[slot][form].format(surface))
                sentence = _fix_articles(re.sub(r"\s+", " ", sentence).strip())
                rows.append((sentence[0].upper() + sentence[1:], entry.aus, entry.text))
    return rows


def _base(code: str) -> str:
    return code if code.startswith("AU") else "AU" + code[1:]


def split(seed: int = 0, held_out: float = 0.15) -> tuple[list[Entry], list[Entry]]:
    """Train / held-out entries: whole descriptions (with their synonyms) on one side only.

    Stratified by kind; deterministic for a seed. An entry is only held out if every AU keeps at
    least two training entries, so the detector sees each AU in training.
    """
    rng = np.random.default_rng(seed)
    counts: dict[str, int] = {}
    for e in CORPUS:
        for au in {_base(c) for c in e.aus}:
            counts[au] = counts.get(au, 0) + 1
    held: set[str] = set()
    for kind in KINDS:
        group = [e for e in CORPUS if e.kind == kind]
        target = int(round(held_out * len(group)))
        taken = 0
        for i in rng.permutation(len(group)):
            if taken >= target:
                break
            e = group[i]
            base = {_base(c) for c in e.aus}
            if all(counts[au] > 2 for au in base):
                for au in base:
                    counts[au] -= 1
                held.add(e.text)
                taken += 1
    return [e for e in CORPUS if e.text not in held], [e for e in CORPUS if e.text in held]


_SIDE = {"L": "left ", "R": "right "}


def au_description(codes) -> str:
    """AU-based text for contrastive alignment: 'AU01 inner brow raiser, left AU12 lip corner puller'."""
    norm = sorted({aus.normalise(c) for c in codes}, key=lambda c: (int(c[-2:]), c[0] != "A", c[0]))
    if not norm:
        return "no action unit, a neutral face"
    parts = []
    for c in norm:
        base = _base(c)
        parts.append(f"{_SIDE.get(c[0], '')}{base} {aus.VOCABULARY[base][0].lower()}")
    return ", ".join(parts)


__all__ = ["Entry", "CORPUS", "ENTRIES", "SYNONYMS", "TEMPLATES", "PAPER_TEMPLATES", "TEMPLATE_SLOTS",
           "SLOT_FORMS", "INTENSITY_WORDS", "expand", "split", "au_description"]
