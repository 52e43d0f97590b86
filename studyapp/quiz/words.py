"""Common English words that a reader knows: they are never taken for a typo of another word ("later" is
not "layer", "may" is not "many"). The words of the cards and rubrics are added to these. Stdlib only."""

from __future__ import annotations

_TEXT = """
a about above across act actual actually add added after again against ago all allow allows almost alone
along already also although always am among amount an and another answer any anything apart applied apply
applies are area around as ask at away back bad bar base based be because become becomes been before began
begin being below best better between big bit both bottom bound box break bring build built but by call
called came can care case cases cause caused causes certain chance change changed changes changing check
choose chosen class clear close closer come comes common compare compared complete completely could course
cover cut data day deal decide deep define degree depend depends did differ difference different direct
directly do does doing done down draw drawn drop during each early easier easy effect either else end
enough entire equal equals even ever every exact exactly example except exist expect extra fact fail
fails fall false far fast feed feel few field fill final find fine first fit five fix fixed follow
following for form found four free from front full further gave general get gets give given gives go goes
going gone good got great group grow grows had half hand happen hard has have having he held help helps
her here high higher him his hold holds how however idea if in inside instead into is it its itself just
keep keeps kept kind know known large larger last late later lead least leave left less let level lie
like likely line little live long longer look looks lose lost lot low lower made main make makes many map
mark matter may maybe me mean means meant measure might mind mode more most move moved moves much must my
name near need needed needs never new next no none nor not note nothing now number of off often old on
once one only onto open or order other others otherwise our out outside over own part parts pass passed
past per perhaps place plain point points possible put quite rather reach read real really reason right
rise role run runs said same saw say says see seen self send set sets several shall short should show
shown side since single size slow small smaller so some something sometimes soon sort state step steps
still stop such sum sure take taken takes tell than that the their them then there these they thing
things think this those though three through thus time times to together too took top toward towards
true try turn turns twice two type under unit until up upon us use used uses using usual usually value
values very via want was way ways we well went were what when where whether which while who whole why
will with within without word words work works would yes yet you your zero
able absolute accuracy accurate activate actual adapt adjust affect affects again aim algorithm almost
amplify apply approach approximate arbitrary average avoid based basic become behaviour better beyond
binary block bound boundary build cannot careful carry cause central choice clean collect combine
compute constant contain content continue contribute control correct cost count create current
decide decision decrease define depth describe design detail determine differ directly discrete
distance divide done double early effect efficient element end equal error estimate evaluate exactly
except expand explain express factor fail false feature figure fine flat follow formula forward free
frequent function gain general given goal grade graph guess half handle heavy hidden idea identity image
improve include increase independent input inside instead inverse keep known large layer learn least
length level limit linear list local loop lose loss lower machine main matrix maximum mean measure
method middle minimum model move multiply natural negative network neuron noise noisy normal number
object often operation optimal order original output overall pair parameter part pass path pattern
pixel place plus point positive power predict prediction probability problem process produce product
random range rate raw reason reduce region relation remain remove repeat represent rest result return
reverse rule sample scale score second sense sequence series shape share sharp shift sign signal
similar simple simply single slope smooth solve space sparse spread square stable standard start
state step store strong structure subset subtract sum system table target term test text total train
training transform tree true unit update upper useful value variable vector weight whole width zero
later player layers mostly nearly sometimes somewhat whereas therefore hence indeed quite rather
"""

#: Common English words (lower case).
COMMON_WORDS: frozenset[str] = frozenset(_TEXT.split())
