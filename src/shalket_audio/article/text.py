"""Word lists and patterns shared by the converter's parts."""

from __future__ import annotations

import re

INTERVIEWER_TAG = "interviewer"

WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)*")
SENTENCE_END = re.compile(r"[.!?…]['’”\"]?\s+")
NAME_TOKEN = r"[A-Z][a-z]+(?:[-’'][A-Z]?[a-z]+)*"
FULL_NAME = re.compile(rf"\b({NAME_TOKEN}(?:\s+{NAME_TOKEN}){{1,2}})\b")

VERBS = (
    r"said|says|say|told|tells|explained|explains|asked|asks|added|adds|continued|continues|suggested|suggests"
    r"|recalled|recalls|recounted|recounts|remembered|remembers|stressed|stresses|insisted|insists|replied|replies"
    r"|answered|answers|admitted|admits|noted|notes|warned|warns|laughed|laughs|sighed|sighs|remarked|remarks"
    r"|argued|argues|claimed|claims|declared|declares|whispered|whispers|shouted|shouts|wrote|writes|reflected"
    r"|reflects|observed|observes|pointed out|points out|thinks|thought|believes|believed|feels|felt|mused|muses"
    r"|concluded|concludes|went on|goes on|put it|puts it|joked|jokes|exclaimed|exclaims|cried|cries|tweeted"
    r"|posted|confided|confides|conceded|concedes|agreed|agrees|announced|announces|stated|states|commented"
    r"|comments|responded|responds|calls it|called it|described it as|describes it as|acknowledged|acknowledges"
    r"|confirmed|confirms|denied|denies|urged|urges|promised|promises|maintained|maintains|testified|testifies"
    r"|emphasised|emphasized|emphasises|emphasizes|cautioned|cautions|predicted|predicts|estimated|estimates"
    r"|recommended|recommends|countered|counters|quipped|quips|wondered|wonders|describes|described"
    r"|chanted|chants|sang|sings|yelled|yells|screamed|screams|revealed|reveals"
    # base forms, for I, we and they ("I ask", "they tell me")
    r"|ask|tell|add|explain|recall|reply|insist|admit|note|continue|suggest|warn|argue|claim|write|agree"
)
#: Titles and descriptions that come before a name and are not part of it.
TITLE_WORDS = frozenset(
    "Activist Campaigner Journalist Writer Author Artist Lawyer Doctor Dr Mr Mrs Ms Miss Mx Professor "
    "Prof President Minister Senator General Colonel Captain Prince Princess King Queen Director Founder "
    "Chair Leader Singer Poet Reporter Editor Student Teacher Mayor Governor Judge Sister Brother Father "
    "Mother Sir Dame Lord Lady Rev Reverend Officer Sergeant Inspector Detective Chief Superintendent "
    "Councillor MP MEP Commissioner Secretary Spokesman Spokeswoman Spokesperson Deputy Chancellor Premier".split()
)
#: Titles that say which pronoun a person takes.
TITLE_PRONOUN = {"Mr": "he", "Sir": "he", "Lord": "he", "King": "he", "Prince": "he", "Father": "he"} | {
    "Mrs": "she",
    "Ms": "she",
    "Miss": "she",
    "Dame": "she",
    "Lady": "she",
    "Queen": "she",
    "Princess": "she",
    "Mother": "she",
    "Sister": "she",
}
#: Capitalised words that are not a name, or not the start of one.
NOT_NAME_WORDS = frozenset(
    "The A An In On At Of For From To By As But And Or If When While During Despite After Before Since "
    "Until This That These Those Here There It Its We They She He I You My Our Their His Her Most Many "
    "Some One Being Nevertheless However Whether With Within Without Unable Soon Total January "
    "February March April May June July August September October November December Monday Tuesday "
    "Wednesday Thursday Friday Saturday Sunday According Asked Speaking Yet So Then Now Still Even Last "
    "Meanwhile Instead Although Though Because Yes No Not Why What Who How Where Which Q A".split()
)
#: Words that make a capitalised phrase a place or an organisation, not a person.
PLACE_WORDS = frozenset(
    "Square Park House Street Road Avenue Day Republic University College Palace Hall Centre Center "
    "Council Party Union Ministry Committee Foundation Institute Museum Bank Company Group Office Court "
    "Church City Region Province State States Kingdom Island Islands Mountains River Lake Sea Ocean "
    "Airport Station Hospital School Times Post News Magazine Review Journal Watch International January "
    "War Department Agency Authority Police Service Trust Association Organisation Organization Commission "
    "Corporation Inc Ltd Club Network Board Government Army Navy Force Forces Assembly Parliament Senate "
    "Mall Plaza Quay Stadium Arena Gardens Library Cathedral Mosque Theatre Theater Village County Borough "
    "District Valley Beach Harbour Harbor Heights Boulevard".split()
)
STOPWORDS = frozenset(
    "a about above after again against all also although am an and any are aren't as at be because been "
    "before being below between both but by can could did do does doing down during each even ever every "
    "few for from further had has have having he her here hers herself him himself his how however i if "
    "in into is it its itself just least less like made make many may me more most much must my myself "
    "never no nor not now of off often on once only or other others our ours out over own per quite "
    "rather really same several she should since so some still such than that the their theirs them "
    "themselves then there these they this those though through thus to too toward towards under until up "
    "upon us very was we well were what when where whether which while who whom whose why will with "
    "within without would yet you your yours said says told tell asked explained continued suggested "
    "recalls stressed one two three first last much many more people time year years month months week "
    "weeks day days way thing things something nothing anything everything going become became come came "
    "take takes took left around away back part well great little less enough already known towards onto "
    "across along among amongst upon whose she’s it’s they’re we’re i’m don’t doesn’t didn’t isn’t wasn’t "
    "weren’t can’t won’t".split()
)


def count_words_of(text: str) -> int:
    return len(WORD.findall(text))
