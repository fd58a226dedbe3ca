"""Guide entries about causes and prevention (hygiene, picking, sun): what people ask before any treatment.

Seed-based entries quote the seed sentence they restate (`seed=`); everything else is conservative general
guidance and says when to see a dermatologist. Plain text only: every adapter sends it as it is.
"""

from __future__ import annotations

from typing import Final

from bot.guide.entry import DERMATOLOGIST, Entry

S_CAUSE: Final = "Back acne is often caused by problems with hygiene and sweat trapped from tight fitting clothing."
S_PORES: Final = (
    "Pores on the back may become blocked up with the trapped sweat and can then become inflamed and infected."
)
S_HORMONES: Final = "Hormones can also cause back acne."
S_THICK: Final = (
    "Because the skin is much thicker on the back than what it is on the face, back acne can be harder to treat "
    "that facial acne."
)
S_EMBARRASSING: Final = (
    "Back acne scars may not be as noticeable as facial scarring but they can be just as embarrassing and annoying."
)
S_NOTICEABLE: Final = (
    "Even though these scars may be on your back where they aren't all that noticeable to you, they may still "
    "make you feel embarrassed for others to see."
)
S_DEAD_SKIN: Final = (
    "This will get rid of the old dead skin cells and will also stop your pores from blocking up and causing "
    "further acne."
)

ENTRIES: Final[tuple[Entry, ...]] = (
    # Causes ---------------------------------------------------------------------------------------
    Entry(
        id="cause-what",
        topic="causes",
        question="What causes back acne?",
        short="Back acne is often caused by hygiene problems and sweat trapped by tight-fitting clothing.",
        detail="Trapped sweat can block the pores on your back, and blocked pores can become inflamed and "
        "infected. Hormones can also play a part.",
        asks=(
            "why do I get back acne",
            "reason for bacne",
            "where does back acne come from",
            "why do I have pimples on my back",
            "what triggers breakouts on the back",
            "why do spots appear on my back",
            "what gives you acne on your back",
            "why am I breaking out",
        ),
        related=("cause-hormones", "cause-clothes", "prev-how"),
        seed=S_CAUSE,
    ),
    Entry(
        id="cause-hormones",
        topic="causes",
        question="Can hormones cause back acne?",
        short="Yes: hormones can also cause back acne.",
        detail="That is why it can come and go even when your hygiene is good. If you think hormones or a "
        f"medication are behind it, talk to a doctor. {DERMATOLOGIST}",
        asks=(
            "hormonal back acne",
            "is my bacne hormonal",
            "puberty period hormone changes and back spots",
            "does my cycle make back acne worse",
        ),
        related=("cause-what", "cause-harder", "cmp-derm"),
        seed=S_HORMONES,
    ),
    Entry(
        id="cause-clothes",
        topic="causes",
        question="Can tight clothes or sweat cause back acne?",
        short="They can: sweat trapped by tight-fitting clothing is a common cause of back acne.",
        detail="The trapped sweat blocks the pores on your back. Loose, breathable clothes and a shower after "
        "you sweat help keep them clear.",
        asks=(
            "does sweating cause bacne",
            "gym clothes back acne",
            "do sports bras or tight shirts cause back pimples",
            "backpack straps and sweat breakouts",
            "does a sweaty workout give me back acne",
        ),
        related=("prev-shower", "prev-clothes", "cause-what"),
        seed=S_CAUSE,
    ),
    Entry(
        id="cause-harder",
        topic="causes",
        question="Why is back acne harder to treat than face acne?",
        short="Because the skin on your back is much thicker than on your face, back acne can be harder to treat.",
        detail="Give any treatment time and keep at it; a dermatologist can suggest something stronger if home "
        "care is not enough.",
        asks=(
            "why won't my back acne go away",
            "back acne vs face acne",
            "is back skin thicker",
            "why is bacne so stubborn",
            "nothing works on my back acne",
            "why is it so hard to get rid of back acne",
        ),
        related=("cmp-derm", "cmp-how-long", "cause-what"),
        seed=S_THICK,
    ),
    Entry(
        id="cause-scars",
        topic="causes",
        question="Why does back acne leave scars?",
        short="Blocked pores on the back can become inflamed and infected, and that deeper damage can leave scars.",
        detail="Picking or squeezing spots makes the damage deeper. Treating acne early and leaving spots alone "
        "gives your skin the best chance to heal without marks.",
        asks=(
            "how do acne scars form",
            "why do I get scars from pimples",
            "what makes back acne scar",
            "will my back acne leave marks",
        ),
        related=("prev-pick", "prev-new-scars", "cmp-options"),
        seed=S_PORES,
    ),
    Entry(
        id="cause-infected",
        topic="causes",
        question="What if a spot on my back looks infected?",
        short="See a doctor soon if a spot is hot, very painful, swelling, spreading or you feel unwell or feverish.",
        detail="Until then keep it clean, don't squeeze it, and don't exfoliate or put strong products on it. "
        "Skip any scar treatment on that area until it has healed. " + DERMATOLOGIST,
        asks=(
            "infected pimple on back",
            "my back spot is swollen red and full of pus",
            "painful cyst on my back",
            "boil or abscess on my back",
            "active infection on the skin",
            "spot is hot and spreading",
        ),
        related=("prev-pick", "exf-broken", "cmp-derm"),
        safety=True,
    ),
    Entry(
        id="cause-worth",
        topic="causes",
        question="Are back acne scars worth treating if nobody sees them?",
        short="If they bother you, yes: scars on your back may not be very noticeable to you, but they can still "
        "make you feel embarrassed for others to see.",
        detail="Back scars can be just as embarrassing and annoying as scars on the face. Start with the gentle "
        "options at home, and see a dermatologist about professional treatments.",
        asks=(
            "should I bother treating back scars",
            "back scars embarrassing",
            "I am embarrassed to take my shirt off at the beach",
            "is it worth getting rid of scars on my back",
        ),
        related=("cmp-options", "cmp-start", "cmp-best"),
        seed=S_NOTICEABLE,
    ),
    Entry(
        id="cause-diet",
        topic="causes",
        question="Does diet cause back acne?",
        short="I don't have a good answer to that: the guide's source text does not cover food and diet.",
        detail="What it does name is hygiene, sweat trapped by tight clothing, and hormones. If you suspect a "
        f"food, ask a doctor rather than cutting out whole food groups. {DERMATOLOGIST}",
        asks=(
            "does dairy or sugar cause bacne",
            "foods that cause back acne",
            "does chocolate give me back spots",
            "what should I eat to clear my back",
        ),
        related=("cause-what", "cause-hormones", "cmp-derm"),
    ),
    # Prevention and hygiene -------------------------------------------------------------------------
    Entry(
        id="prev-how",
        topic="prevention",
        question="How can I prevent back acne?",
        short="Keep your pores from blocking: exfoliate a couple of times a week, shower after sweating and wear "
        "loose clothes.",
        detail="Exfoliating gets rid of old dead skin cells and stops your pores from blocking up and causing "
        "more acne. Don't pick at spots: that is what deepens scars.",
        asks=(
            "how do I stop back acne",
            "avoid getting bacne",
            "keep my back clear",
            "stop breakouts on my back",
            "tips to prevent back pimples",
        ),
        related=("prev-shower", "exf-often", "prev-pick"),
        seed=S_DEAD_SKIN,
    ),
    Entry(
        id="prev-shower",
        topic="prevention",
        question="Should I shower after working out?",
        short="Yes: shower soon after you sweat, so sweat does not sit on your back and block your pores.",
        detail="Change out of sweaty clothes as soon as you can, and use a gentle body wash rather than "
        "scrubbing hard every day.",
        asks=(
            "shower after gym",
            "after exercise sweat on my back",
            "how soon should I wash after sport",
            "hygiene after sweating",
            "does showering help back acne",
        ),
        related=("prev-clothes", "prev-wash", "cause-clothes"),
    ),
    Entry(
        id="prev-clothes",
        topic="prevention",
        question="What should I wear to avoid back acne?",
        short="Loose, breathable clothes rather than tight tops, and a clean shirt after you sweat.",
        detail="Tight clothing traps sweat against your back. Wash workout gear after each use.",
        asks=(
            "best clothes for bacne",
            "cotton or synthetic shirts",
            "loose fitting clothing acne",
            "what fabric should I wear",
            "clothing for back breakouts",
        ),
        related=("cause-clothes", "prev-shower", "prev-laundry"),
    ),
    Entry(
        id="prev-pick",
        topic="prevention",
        question="Can I pop or pick the pimples on my back?",
        short="Please don't: picking, popping or squeezing spots can push the damage deeper and make scars worse.",
        detail="Leave spots alone and let them heal, and keep your nails off scabs. A spot that is very painful, "
        "swollen or looks infected needs a doctor, not squeezing. " + DERMATOLOGIST,
        asks=(
            "should I squeeze back spots",
            "is it ok to pop bacne",
            "can I pick my scabs",
            "popping pimples on my back",
            "extract blackheads on my back myself",
            "squeezing zits",
        ),
        related=("cause-scars", "cause-infected", "prev-new-scars"),
        safety=True,
    ),
    Entry(
        id="prev-sun",
        topic="prevention",
        question="Is the sun bad for my scars?",
        short="Protect scars from the sun: sun on healing skin can darken marks and make them stand out more.",
        detail="Cover your back or use sunscreen when it is exposed, and be extra careful after peels, "
        "microdermabrasion or laser, when the skin is more sensitive. Skin that burns, blisters or gets worse "
        "needs a doctor. " + DERMATOLOGIST,
        asks=(
            "sunscreen on back scars",
            "sun exposure on acne scars",
            "can I sunbathe with scars",
            "does tanning hide scars",
            "sunlight on my back marks",
            "is sunbed ok for scars",
            "does sun make scars worse",
            "sun damage on marks",
        ),
        related=("laser-after", "peel-after", "prev-new-scars"),
        safety=True,
    ),
    Entry(
        id="prev-laundry",
        topic="prevention",
        question="Do towels and sheets matter?",
        short="Keeping them clean helps: wash towels, sheets and workout gear often.",
        detail="Sweat, oil and dead skin collect in fabric that touches your back. A clean towel and clean "
        "sheets are an easy part of the routine.",
        asks=(
            "how often to wash bed sheets for back acne",
            "dirty towel bacne",
            "pillowcase and sheets hygiene",
            "laundry detergent and back breakouts",
            "change sheets",
            "wash towels often",
        ),
        related=("prev-clothes", "prev-shower", "prev-how"),
    ),
    Entry(
        id="prev-new-scars",
        topic="prevention",
        question="How do I stop new scars from forming?",
        short="Treat acne early, leave spots alone, and protect healing skin from the sun.",
        detail="Most scarring comes from spots that became deeply inflamed or were picked. If breakouts keep "
        "coming back or are painful, see a doctor about treating the acne itself. " + DERMATOLOGIST,
        asks=(
            "prevent acne scarring",
            "avoid getting more scars",
            "stop spots leaving marks",
            "keep pimples from scarring",
        ),
        related=("prev-pick", "prev-sun", "cause-scars"),
    ),
    Entry(
        id="prev-wash",
        topic="prevention",
        question="What should I wash my back with?",
        short="A gentle body wash and lukewarm water; save the scrub for a couple of times a week.",
        detail="Harsh soaps and hot water can dry and irritate the skin. Rinse well, and pat your back dry "
        "instead of rubbing it.",
        asks=(
            "best soap for bacne",
            "body wash for back acne",
            "cleanser for my back",
            "hot or cold water for acne",
            "antibacterial soap back",
        ),
        related=("exf-what", "prev-shower", "exf-often"),
    ),
    # Asked often, answered by none of the entries above (the labelled questions' declines, 2026-12-02) ---
    Entry(
        id="cause-lifestyle",
        topic="causes",
        question="Do stress, sleep or smoking affect back acne?",
        short="They can play a part for some people, though they are rarely the whole story.",
        detail="Stress and poor sleep are often linked with breakouts, and smoking and a lot of alcohol are not "
        "good for skin in general. Looking after them helps your skin along with everything else, but they will not "
        "clear back acne on their own. If breakouts keep getting worse, see a dermatologist. " + DERMATOLOGIST,
        asks=(
            "can being stressed out make my skin break out",
            "can lack of sleep give me spots",
            "does smoking make scars heal worse",
            "is my back acne from stress",
            "lifestyle and back acne",
            "does alcohol make bacne worse",
        ),
        related=("cause-what", "cause-diet", "cause-hormones"),
    ),
    Entry(
        id="cause-contagious",
        topic="causes",
        question="Is back acne contagious or genetic?",
        short="Back acne is not contagious: you cannot catch it or pass it on. Acne can run in families.",
        detail="If a parent had acne you may be more likely to get it too, which is not your fault and does "
        "not mean it cannot be treated. Sharing towels is still best avoided for hygiene.",
        asks=(
            "can you catch back acne",
            "is bacne hereditary",
            "can i give my partner back acne",
            "does acne run in families",
            "is acne infectious",
            "my parents had bacne will i get it",
        ),
        related=("cause-what", "cause-hormones", "prev-laundry"),
    ),
    Entry(
        id="cause-not-acne",
        topic="causes",
        question="Could the spots on my back be something other than acne?",
        short="Possibly: itchy, same-looking little bumps, or spots that never respond, can be something else. "
        "A doctor can tell.",
        detail="Conditions such as folliculitis or fungal spots can look like acne on the back and chest but "
        "need different treatment, and a rash that spreads, itches a lot or comes with fever needs a doctor. "
        + DERMATOLOGIST,
        asks=(
            "is it fungal acne or normal acne",
            "could my back spots be a different skin problem",
            "my back bumps itch is it acne",
            "how do i know if its really acne",
            "little red itchy bumps all over my back",
            "hot tub rash or acne",
        ),
        related=("cause-infected", "cmp-derm", "cause-what"),
        safety=True,
    ),
    Entry(
        id="prev-no-shower",
        topic="prevention",
        question="What if I can't shower straight after sport?",
        short="Change out of the sweaty top into a clean, dry one as soon as you can, and shower when you get home.",
        detail="A gentle, fragrance-free body wipe over the back helps in between. What matters is not leaving "
        "sweat trapped against the skin under damp clothing for hours.",
        asks=(
            "no shower after the gym what do i do",
            "are body wipes ok if i cant shower",
            "cant shower at work after cycling",
            "no showers after practice",
            "sweaty after training but no shower",
            "what to do when i cant wash after exercise",
        ),
        related=("prev-shower", "prev-clothes", "cause-clothes"),
    ),
    Entry(
        id="prev-hair-products",
        topic="prevention",
        question="Can shampoo or conditioner cause back acne?",
        short="They can: hair products running down your back can clog pores. Wash your hair first, then your "
        "back last.",
        detail="Rinse conditioner off fully and lean forward so it runs away from your back, then wash your back "
        "with your usual gentle wash. Tie long hair up at night and in the gym so oily hair is not on your back.",
        asks=(
            "does conditioner cause back spots",
            "shampoo residue and bacne",
            "hair products breaking out my back",
            "should i wash my hair before my body",
            "does long hair give you back acne",
            "hair oil on my back causing pimples",
        ),
        related=("prev-wash", "prev-shower", "prev-how"),
    ),
    Entry(
        id="prev-shaving",
        topic="prevention",
        question="Can shaving or waxing my back cause spots?",
        short="It can irritate the skin and cause bumps. Use a clean, sharp razor, go with the grain and never "
        "over active spots.",
        detail="Do not exfoliate on the same day as shaving or waxing, and keep the skin clean afterwards. Before "
        "a peel, microdermabrasion or laser, ask the clinic whether and when to shave.",
        asks=(
            "shaving my back gives me bumps",
            "razor bumps or acne on back",
            "do i need to remove back hair before a treatment",
            "is waxing bad for back acne",
            "exfoliate before or after shaving back",
            "back hair removal and spots",
        ),
        related=("exf-broken", "exf-procedure", "prev-how"),
    ),
    Entry(
        id="prev-heat",
        topic="prevention",
        question="Does hot weather, humidity or swimming make back acne worse?",
        short="Heat and humidity often do, because sweat stays on the skin longer. Loose clothes and a quick "
        "shower help.",
        detail="Wear loose, breathable tops, change out of damp clothes and shower after sweating. After "
        "swimming, rinse off chlorine or sea water and dry your back well. If your skin keeps getting worse, "
        "see a dermatologist.",
        asks=(
            "bacne worse in summer",
            "hot climate back breakouts",
            "does swimming pool water cause back acne",
            "humidity and back spots",
            "pool water and breakouts on my back",
            "my back breaks out when its hot",
        ),
        related=("prev-clothes", "prev-shower", "prev-sun"),
    ),
)
