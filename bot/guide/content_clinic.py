"""Guide entries about professional treatments (microdermabrasion, chemical peels, laser resurfacing) and
comparing the options.

Pain, cost, aftercare and who should not have a procedure are general guidance and always send people to a
dermatologist or the clinic: the seed says nothing about them, and they vary with the person and the clinic.
"""

from __future__ import annotations

from typing import Final

from bot.guide.entry import DERMATOLOGIST, Entry

S_OPTIONS: Final = (
    "If you have been unfortunate enough to have suffered from back acne and have been left with back acne scars "
    "then you might be happy to know that there are treatments options available to clear up your back and give "
    "you back smooth, clear skin."
)
S_FIRST: Final = "The first treatment option is to exfoliate your skin regularly."
S_MD: Final = (
    "Microdermabrasion is another treatment and with this procedure the top layer of skin is removed using a machine."
)
S_SANDING: Final = (
    "It is almost like a sanding machine sanding the top layer of skin off, leaving the new, smooth skin underneath."
)
S_MD_SCARS: Final = "When the top layer of skin is removed some of the scars are also removed."
S_MD_FEW: Final = "You may need a few treatments of microdermabrasion to remove your scars completely."
S_PEEL: Final = (
    "Another treatment is chemical peels which work in a similar way to microdermabrasion in that it removes the "
    "top layer of skin, but with this procedure it is done using chemicals."
)
S_PEEL_MORE: Final = "This procedure may also require more than one treatment before getting the results that you want."
S_PEEL_TYPE: Final = "The type of chemicals that are used for the chemical peel may depend on the skin type."
S_LASER: Final = "Laser resurfacing treatment is another very effective method for removing back acne scars."
S_INVASIVE: Final = (
    "Laser resurfacing treatment is one of the most effective treatments however it is a little more invasive "
    "than the others."
)
S_LASER_FEW: Final = (
    "Often a person may only require one or two treatments of laser resurfacing to have good results, but "
    "sometimes it may require more treatments."
)
S_TRY: Final = (
    "If you are looking for a method to get rid of back acne scars then try one of these treatments and see how "
    "much better your skin looks."
)

_COST = (
    "Prices vary a lot with the clinic, the area treated and how many sessions you need, so I can't give a "
    "figure. Ask the clinic for the full price of the whole course, including follow-ups."
)
_WHO_NOT = (
    "Tell the dermatologist about any active infection or inflamed acne on your back, pregnancy or "
    "breastfeeding, medication you take, a tendency to scar or darken easily, and recent tanning."
)

ENTRIES: Final[tuple[Entry, ...]] = (
    # Microdermabrasion ----------------------------------------------------------------------------
    Entry(
        id="md-what",
        topic="microderm",
        question="What is microdermabrasion?",
        short="A treatment in which a machine removes the top layer of skin.",
        detail="It works almost like sanding the top layer off, leaving the new, smooth skin underneath. It is "
        "a professional procedure: " + DERMATOLOGIST,
        asks=(
            "explain microdermabrasion",
            "what does a microderm treatment involve",
            "dermabrasion meaning",
            "skin sanding machine",
            "how is microdermabrasion done",
            "what happens during microdermabrasion",
        ),
        related=("md-scars", "md-sessions", "cmp-md-peel"),
        seed=S_MD,
    ),
    Entry(
        id="md-scars",
        topic="microderm",
        question="Does microdermabrasion remove scars?",
        short="It can: when the top layer of skin is removed, some of the scars are removed with it.",
        detail="It suits shallower scarring best. A dermatologist can tell you whether your scars are likely to "
        "respond.",
        asks=(
            "will microdermabrasion get rid of my acne scars",
            "does microderm work on back scars",
            "is microdermabrasion effective",
            "microdermabrasion results on scarring",
        ),
        related=("md-sessions", "md-what", "cmp-md-peel"),
        seed=S_MD_SCARS,
    ),
    Entry(
        id="md-sessions",
        topic="microderm",
        question="How many microdermabrasion sessions will I need?",
        short="You may need a few treatments to remove your scars completely.",
        detail="How many, and how far apart, depends on your skin and scars: the dermatologist will plan it. "
        "/series can remind you of each session.",
        asks=(
            "how many microderm treatments",
            "number of microdermabrasion appointments",
            "how often can I have microdermabrasion",
            "is one session of microdermabrasion enough",
        ),
        related=("md-scars", "md-cost", "md-hurt"),
        seed=S_MD_FEW,
    ),
    Entry(
        id="md-hurt",
        topic="microderm",
        question="Does microdermabrasion hurt?",
        short="How it feels varies: ask the clinic what to expect, and tell them at once if it becomes painful.",
        detail="The guide's source does not describe how it feels, so I won't guess. Skin can be sensitive "
        "afterwards; pain that gets worse, or signs of infection, need a doctor. " + DERMATOLOGIST,
        asks=(
            "does microderm sting",
            "how sore is the skin after microdermabrasion",
            "pain during microdermabrasion",
        ),
        related=("md-after", "md-sessions", "md-who-not"),
    ),
    Entry(
        id="md-cost",
        topic="microderm",
        question="How much does microdermabrasion cost?",
        short="It varies, so ask the clinic.",
        detail=_COST,
        asks=(
            "price of microdermabrasion",
            "is microdermabrasion expensive",
            "microderm cost per session",
            "how much do microdermabrasion treatments charge",
        ),
        related=("md-sessions", "cmp-cost", "md-home"),
    ),
    Entry(
        id="md-home",
        topic="microderm",
        question="Can I do microdermabrasion at home?",
        short="Home devices exist, but the guide's microdermabrasion is a professional treatment: ask a "
        "dermatologist first.",
        detail="Never use a device on inflamed, infected or broken skin. The home treatments the guide describes "
        "are exfoliating and creams.",
        asks=(
            "home microdermabrasion kit",
            "diy microdermabrasion",
            "microderm machine for home use",
            "at home dermabrasion device",
            "do microdermabrasion myself",
        ),
        related=("cmp-home", "md-what", "exf-what"),
    ),
    Entry(
        id="md-after",
        topic="microderm",
        question="What should I avoid after microdermabrasion?",
        short="Follow the clinic's aftercare; in general, protect the skin from the sun and don't scrub it while "
        "it heals.",
        detail="Hold off exfoliating and strong products until the clinic says so. Redness that gets worse, "
        "oozing or pain need a doctor. " + DERMATOLOGIST,
        asks=(
            "aftercare for microdermabrasion",
            "recovery after microderm",
            "what not to do after microdermabrasion",
            "sun after microdermabrasion",
        ),
        related=("prev-sun", "exf-procedure", "md-hurt"),
    ),
    Entry(
        id="md-who-not",
        topic="microderm",
        question="Who should not have microdermabrasion?",
        short="That is for a dermatologist to decide after seeing your skin.",
        detail=_WHO_NOT,
        asks=(
            "is microdermabrasion safe for everyone",
            "risks of microdermabrasion",
            "microdermabrasion side effects",
            "can I have microdermabrasion with active acne",
            "should not get microdermabrasion",
        ),
        related=("md-hurt", "cream-pregnant", "cmp-derm"),
    ),
    # Chemical peels ---------------------------------------------------------------------------------
    Entry(
        id="peel-what",
        topic="peels",
        question="What is a chemical peel?",
        short="A treatment that removes the top layer of skin with chemicals, working much like microdermabrasion.",
        detail="Microdermabrasion uses a machine; a peel uses chemicals. It is a professional treatment: "
        + DERMATOLOGIST,
        asks=(
            "how does a chemical peel work",
            "explain acid peel",
            "what happens during a peel",
            "skin peel treatment",
        ),
        related=("peel-sessions", "peel-type", "cmp-md-peel"),
        seed=S_PEEL,
    ),
    Entry(
        id="peel-sessions",
        topic="peels",
        question="How many chemical peels will I need?",
        short="Often more than one treatment before you get the results you want.",
        detail="The dermatologist will plan how many and how far apart. /series can remind you of each one and "
        "pause exfoliation around them.",
        asks=(
            "number of peel treatments",
            "is one chemical peel enough",
            "how often can I get a peel",
            "how many peels for acne scars",
        ),
        related=("peel-type", "peel-cost", "peel-before"),
        seed=S_PEEL_MORE,
    ),
    Entry(
        id="peel-type",
        topic="peels",
        question="Which chemical peel is right for my skin?",
        short="The chemicals used may depend on your skin type, so a dermatologist chooses the peel.",
        detail="Don't pick a strength yourself. " + DERMATOLOGIST,
        asks=(
            "best peel for sensitive skin",
            "what strength of peel should I get",
            "glycolic or salicylic peel",
            "types of chemical peels",
            "peel for dark skin",
            "what kind of peel",
        ),
        related=("peel-what", "peel-who-not", "peel-home"),
        seed=S_PEEL_TYPE,
    ),
    Entry(
        id="peel-hurt",
        topic="peels",
        question="Does a chemical peel hurt?",
        short="It varies with the peel and the person: ask the clinic what to expect.",
        detail="Tell them at once if it burns more than they said it would. Pain, blistering or signs of "
        "infection afterwards need a doctor. " + DERMATOLOGIST,
        asks=(
            "is a chemical peel painful",
            "does an acid peel burn",
            "how much does a peel sting",
            "pain after chemical peel",
        ),
        related=("peel-after", "peel-type", "peel-who-not"),
    ),
    Entry(
        id="peel-before",
        topic="peels",
        question="What should I avoid before a chemical peel?",
        short="Follow the clinic's instructions; usually that means pausing exfoliating and strong products for "
        "a while beforehand.",
        detail="Avoid sunburn and tanning before it, and tell the clinic about any medication and any active "
        "spots. /series pause N can pause the exfoliation reminders around it.",
        asks=(
            "prepare for a chemical peel",
            "what not to do before a peel",
            "stop retinol before peel",
            "getting ready for my peel appointment",
        ),
        related=("peel-after", "exf-procedure", "peel-who-not"),
    ),
    Entry(
        id="peel-after",
        topic="peels",
        question="What should I avoid after a chemical peel?",
        short="Keep it out of the sun, use sunscreen, and don't pick or scrub the peeling skin.",
        detail="Follow the clinic's aftercare, and hold off exfoliating and strong products until they say so. "
        "Blisters, oozing or pain that grows need a doctor. " + DERMATOLOGIST,
        asks=(
            "aftercare chemical peel",
            "my skin is peeling after the peel",
            "recovery from an acid peel",
            "can I exfoliate after a peel",
            "peel healing time",
        ),
        related=("prev-sun", "exf-procedure", "peel-hurt"),
    ),
    Entry(
        id="peel-home",
        topic="peels",
        question="Can I do a chemical peel at home?",
        short="Don't try a strong peel yourself: the type of chemical depends on your skin, and a dermatologist "
        "should choose it.",
        detail="Strong acids used at home can burn skin and leave new marks. The home options the guide "
        "describes are exfoliating and creams.",
        asks=(
            "diy chemical peel",
            "home peel kit",
            "buy peel solution online",
            "at home acid peel",
        ),
        related=("peel-type", "cmp-home", "cream-mixing"),
    ),
    Entry(
        id="peel-cost",
        topic="peels",
        question="How much does a chemical peel cost?",
        short="It varies, so ask the clinic.",
        detail=_COST,
        asks=(
            "price of a chemical peel",
            "are peels expensive",
            "peel cost per session",
            "how much do clinics charge for a peel",
        ),
        related=("peel-sessions", "cmp-cost", "peel-home"),
    ),
    Entry(
        id="peel-who-not",
        topic="peels",
        question="Who should not have a chemical peel?",
        short="That is for a dermatologist to decide after seeing your skin.",
        detail=_WHO_NOT,
        asks=(
            "is a chemical peel safe for me",
            "risks of chemical peels",
            "chemical peel side effects",
            "can I get a peel if I take acne medication",
        ),
        related=("peel-type", "cream-pregnant", "cmp-derm"),
    ),
    # Laser resurfacing --------------------------------------------------------------------------------
    Entry(
        id="laser-what",
        topic="laser",
        question="Does laser resurfacing work on back acne scars?",
        short="Laser resurfacing is a very effective method for removing back acne scars.",
        detail="It is one of the most effective treatments, but a little more invasive than the others. "
        + DERMATOLOGIST,
        asks=(
            "is laser good for acne scars",
            "what is laser resurfacing",
            "how does laser treatment work",
            "laser therapy for bacne scars",
            "is laser worth it",
        ),
        related=("laser-sessions", "laser-invasive", "cmp-laser"),
        seed=S_LASER,
    ),
    Entry(
        id="laser-sessions",
        topic="laser",
        question="How many laser sessions will I need?",
        short="Often only one or two treatments give good results, but sometimes more are needed.",
        detail="The dermatologist will say how many and how far apart; /series can remind you of each session.",
        asks=(
            "number of laser treatments",
            "is one laser session enough",
            "how many times do I need laser",
            "how often can I have laser",
        ),
        related=("laser-cost", "laser-results", "laser-after"),
        seed=S_LASER_FEW,
    ),
    Entry(
        id="laser-invasive",
        topic="laser",
        question="Is laser resurfacing invasive or risky?",
        short="It is a little more invasive than the other treatments, though one of the most effective.",
        detail="More invasive means more healing time and more care afterwards. Ask a dermatologist about the "
        "risks for your skin. " + DERMATOLOGIST,
        asks=(
            "laser side effects",
            "is laser safe",
            "dangers of laser resurfacing",
            "downtime after laser",
            "risks of laser",
            "laser risk",
        ),
        related=("laser-who-not", "laser-after", "cmp-laser"),
        seed=S_INVASIVE,
    ),
    Entry(
        id="laser-hurt",
        topic="laser",
        question="Does laser resurfacing hurt?",
        short="It varies with the laser and the person: ask the clinic what to expect and how they manage comfort.",
        detail="It is a little more invasive than the other options, so expect the skin to need time to heal. "
        "Pain that grows afterwards, or signs of infection, need a doctor. " + DERMATOLOGIST,
        asks=(
            "is laser painful",
            "does laser treatment sting",
            "how sore after laser",
            "pain during laser resurfacing",
        ),
        related=("laser-after", "laser-invasive", "laser-sessions"),
    ),
    Entry(
        id="laser-cost",
        topic="laser",
        question="How much does laser resurfacing cost?",
        short="It varies, so ask the clinic.",
        detail=_COST,
        asks=(
            "price of laser treatment",
            "is laser expensive",
            "laser cost per session",
            "how much do clinics charge for laser",
        ),
        related=("laser-sessions", "cmp-cost", "laser-what"),
    ),
    Entry(
        id="laser-after",
        topic="laser",
        question="What should I do after laser resurfacing?",
        short="Follow the clinic's aftercare: keep the skin out of the sun, use sunscreen and don't scrub it.",
        detail="Hold off exfoliating and strong products until the clinic says so. Oozing, growing redness or "
        "pain, or a fever, need a doctor. " + DERMATOLOGIST,
        asks=(
            "aftercare for laser",
            "recovery after laser resurfacing",
            "what not to do after laser",
            "healing after laser treatment",
        ),
        related=("prev-sun", "exf-procedure", "laser-hurt"),
    ),
    Entry(
        id="laser-who-not",
        topic="laser",
        question="Who should not have laser resurfacing?",
        short="That is for a dermatologist to decide after seeing your skin.",
        detail=_WHO_NOT,
        asks=(
            "am I a candidate for laser",
            "can I have laser with dark skin",
            "laser if I am on acne medication",
            "can I get laser with active breakouts",
        ),
        related=("laser-invasive", "cream-pregnant", "cmp-derm"),
    ),
    Entry(
        id="laser-home",
        topic="laser",
        question="Can I do laser treatment at home?",
        short="No: laser resurfacing is a professional procedure, done by a dermatologist or a clinic.",
        detail="The home options the guide describes are exfoliating and creams.",
        asks=(
            "home laser device for scars",
            "diy laser",
            "buy a laser for home use",
            "at home laser resurfacing",
            "laser I can use myself",
        ),
        related=("cmp-home", "laser-what", "laser-cost"),
    ),
    Entry(
        id="laser-results",
        topic="laser",
        question="How long until I see results from laser?",
        short="It varies: the skin needs time to heal first, and the dermatologist can tell you what to expect.",
        detail="Often one or two treatments give good results, sometimes more. Judge the result once the skin "
        "has fully healed, not in the first days.",
        asks=(
            "when will I see laser results",
            "how fast does laser work",
            "laser before and after timeline",
            "how long does laser take to heal",
        ),
        related=("laser-sessions", "laser-after", "cmp-how-long"),
    ),
    # Comparing treatments ---------------------------------------------------------------------------
    Entry(
        id="cmp-best",
        topic="compare",
        question="What is the best treatment for back acne scars?",
        short="Laser resurfacing is one of the most effective, but it is a little more invasive than the others.",
        detail="Which is best for you depends on your scars and skin: many people start with exfoliating and "
        "creams at home, and a dermatologist can advise on professional treatments.",
        asks=(
            "most effective scar treatment",
            "which treatment works best",
            "what actually gets rid of back scars",
            "fastest way to remove acne scars",
        ),
        related=("cmp-options", "cmp-laser", "cmp-start"),
        seed=S_INVASIVE,
    ),
    Entry(
        id="cmp-options",
        topic="compare",
        question="What are my options for back acne scars?",
        short="There are treatment options that can clear up your back and give you smooth, clear skin again.",
        detail="From least to most invasive: exfoliation, creams and lotions, microdermabrasion, chemical peels, "
        "laser resurfacing. The first two are done at home; the others by a professional.",
        asks=(
            "list of treatments for acne scars",
            "how can I get rid of back acne scars",
            "treatments available for bacne scars",
            "can back scars be removed",
            "ways to clear my back",
            "what treatments are there",
        ),
        related=("cmp-best", "cmp-start", "cmp-home"),
        seed=S_OPTIONS,
    ),
    Entry(
        id="cmp-start",
        topic="compare",
        question="Where should I start?",
        short="Start by exfoliating your skin regularly: it is the first treatment option.",
        detail="A couple of times a week with a loofah and a body scrub, perhaps with a cream. If that is not "
        "enough after a few months, ask a dermatologist about professional treatments.",
        asks=(
            "first step to treat back scars",
            "beginner routine for back acne scars",
            "what should I try first",
            "I don't know where to begin with my scars",
        ),
        related=("exf-often", "cmp-options", "cmp-home"),
        seed=S_FIRST,
    ),
    Entry(
        id="cmp-md-peel",
        topic="compare",
        question="Microdermabrasion or chemical peel: what's the difference?",
        short="Both remove the top layer of skin: microdermabrasion with a machine, a peel with chemicals.",
        detail="Both may need more than one treatment. Which suits you depends on your skin type and scars: a "
        "dermatologist can help you choose.",
        asks=(
            "microdermabrasion vs chemical peel",
            "peel or microderm which is better",
            "compare microdermabrasion and peels",
            "difference between dermabrasion and peel",
            "peel or microdermabrasion",
        ),
        related=("md-what", "peel-what", "cmp-laser"),
        seed=S_PEEL,
    ),
    Entry(
        id="cmp-laser",
        topic="compare",
        question="Laser or a peel or microdermabrasion?",
        short="Laser is one of the most effective treatments, but a little more invasive than peels or "
        "microdermabrasion.",
        detail="Laser often needs one or two sessions; the others a few. A dermatologist can weigh them for your "
        "scars.",
        asks=(
            "laser vs chemical peel",
            "laser vs microdermabrasion",
            "is laser better than a peel",
            "compare laser with other treatments",
        ),
        related=("cmp-md-peel", "laser-what", "cmp-best"),
        seed=S_INVASIVE,
    ),
    Entry(
        id="cmp-home",
        topic="compare",
        question="What can I do at home for back acne scars?",
        short="Exfoliating a couple of times a week and using a scar cream or lotion.",
        detail="Microdermabrasion, chemical peels and laser resurfacing are professional treatments; "
        "see a dermatologist for those.",
        asks=(
            "home treatment for bacne scars",
            "treat scars without a clinic",
            "diy back scar treatment",
            "what can I try myself",
        ),
        related=("exf-often", "cream-which", "cmp-start"),
        seed=S_FIRST,
    ),
    Entry(
        id="cmp-combine",
        topic="compare",
        question="Can I combine treatments?",
        short="Often yes, but plan it with a dermatologist: don't stack strong treatments on your own.",
        detail="At home, exfoliating and a cream go together. Around a peel, microdermabrasion or laser, pause "
        "exfoliating and strong products as the clinic says. " + DERMATOLOGIST,
        asks=(
            "use laser and cream together",
            "microdermabrasion and peel at the same time",
            "mix treatments for acne scars",
            "can I do a peel and laser",
            "have two treatments together",
        ),
        related=("cream-mixing", "exf-procedure", "cmp-derm"),
    ),
    Entry(
        id="cmp-cost",
        topic="compare",
        question="Which treatment costs the least?",
        short="The home options, exfoliating and over-the-counter creams, usually cost the least; clinic prices "
        "vary, so ask the clinic.",
        detail="Compare the price of the whole course, not one session, since most professional treatments need "
        "more than one.",
        asks=(
            "cheapest way to treat back scars",
            "affordable acne scar treatment",
            "treatment on a budget",
            "how much do scar treatments cost",
            "cheap ways to treat scars",
        ),
        related=("cmp-home", "laser-cost", "peel-cost"),
    ),
    Entry(
        id="cmp-derm",
        topic="compare",
        question="When should I see a dermatologist?",
        short="For any professional treatment, and whenever skin is painful, infected or getting worse.",
        detail="Also before treatments if you are pregnant or breastfeeding, take medication, or home care has "
        "not helped after a few months. " + DERMATOLOGIST,
        asks=(
            "should I see a doctor about my back",
            "do I need a skin specialist",
            "when to see a professional for acne scars",
            "is it time to go to the doctor",
            "find a dermatologist",
        ),
        related=("cmp-options", "cause-infected", "cream-pregnant"),
    ),
    Entry(
        id="cmp-how-long",
        topic="compare",
        question="How long does it take to get rid of back acne scars?",
        short="It varies: home care takes weeks to months, professional treatments a course of sessions.",
        detail="I can't promise a time, since it depends on your scars and skin. Steady care beats intensity; "
        "a dermatologist can give you a realistic plan.",
        asks=(
            "how long until my scars are gone",
            "how many months to clear back scars",
            "timeline for fading acne marks",
            "will my scars ever go away",
        ),
        related=("exf-results", "cream-how-long", "laser-results"),
    ),
    # Asked often, answered by none of the entries above (the labelled questions' declines, 2026-12-02) ---
    Entry(
        id="scar-types",
        topic="compare",
        question="Dark marks, pitted scars or raised scars: what do I have?",
        short="Flat red or brown marks are not true scars and often fade; pitted or raised scars change the "
        "skin's surface and need more.",
        detail="Flat marks left after spots fade over months, faster with sun protection and gentle care. "
        "Pitted scars sit below the skin and respond better to professional treatments. Raised, firm or "
        "shiny scars that grow beyond the spot need a dermatologist before any treatment. " + DERMATOLOGIST,
        asks=(
            "what type of scars do i have",
            "difference between a dark spot and a scar",
            "are red marks scars",
            "types of acne scars",
            "my scars are raised and bumpy",
            "flat brown marks or real scars",
            "what are keloid scars",
        ),
        related=("scar-fade", "cmp-best", "prev-sun"),
    ),
    Entry(
        id="scar-fade",
        topic="compare",
        question="Will back acne scars fade on their own?",
        short="Flat dark marks often fade slowly by themselves. Pitted or raised scars usually improve with "
        "treatment rather than go away alone.",
        detail="Treatments improve scars; they rarely erase them completely, so aim for better rather than "
        "perfect. Keeping new spots away and protecting your back from the sun helps whatever you choose.",
        asks=(
            "do acne scars go away by themselves",
            "will my back scars ever disappear",
            "can scars be removed completely",
            "if i wait will my marks fade",
            "are back scars forever",
            "do scars fade with time",
        ),
        related=("scar-types", "cmp-how-long", "prev-new-scars"),
    ),
    Entry(
        id="cmp-lasting",
        topic="compare",
        question="Do the results of treatments last?",
        short="Improvement to a scar mostly lasts, but new acne can leave new scars, and some treatments need "
        "upkeep sessions.",
        detail="Peels and microdermabrasion are often repeated to keep their effect, and how long any result "
        "lasts differs from person to person. Keeping breakouts under control is what protects the result. "
        "Ask the clinic what upkeep they expect for your skin.",
        asks=(
            "are laser results permanent",
            "do peel results last",
            "how long does microdermabrasion last",
            "will my scars come back after treatment",
            "do i need to keep having treatments",
            "results last forever",
        ),
        related=("cmp-how-long", "prev-new-scars", "cmp-best"),
    ),
    Entry(
        id="cmp-appointment",
        topic="compare",
        question="How long does an appointment take?",
        short="It varies by treatment and clinic, and a whole back takes longer than the face. The clinic will "
        "tell you when you book.",
        detail="Microdermabrasion and light peels are usually short visits; laser can take longer, with time for "
        "numbing cream first. The first visit often starts with a consultation.",
        asks=(
            "how long is a microdermabrasion session",
            "how long does a chemical peel take",
            "how long is a laser appointment",
            "length of a treatment session",
            "how much time should i book off for a session",
            "how long will i be at the clinic",
        ),
        related=("cmp-consult", "cmp-options", "cmp-derm"),
    ),
    Entry(
        id="cmp-consult",
        topic="compare",
        question="What should I ask at a consultation?",
        short="Ask what kind of scars you have, which treatment suits them and your skin tone, how many "
        "sessions, the downtime, the risks and the full cost.",
        detail="Also ask who will treat you and their training, what to stop using before, and what results "
        "are realistic for your scars. A good clinic answers all of this before you book. " + DERMATOLOGIST,
        asks=(
            "questions to ask the dermatologist",
            "first consultation what to ask",
            "how do i pick a good clinic",
            "what to ask before booking laser",
            "how to find a qualified practitioner",
            "what happens at a skin consultation",
        ),
        related=("cmp-derm", "cmp-best", "cmp-cost"),
    ),
)
