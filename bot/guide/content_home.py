"""Guide entries about what people do at home: exfoliation, and creams and lotions.

Seed-based entries quote the seed sentence they restate (`seed=`); the rest is conservative general guidance:
no doses, no brands, no promises, and a dermatologist for pain, infection, pregnancy, medication or worse skin.
"""

from __future__ import annotations

from typing import Final

from bot.guide.entry import DERMATOLOGIST, Entry

S_FIRST: Final = "The first treatment option is to exfoliate your skin regularly."
S_LOOFAH: Final = "You can use a loofah and a body scrub and exfoliate your back a couple of times a week."
S_DEAD_SKIN: Final = (
    "This will get rid of the old dead skin cells and will also stop your pores from blocking up and causing "
    "further acne."
)
S_CREAMS: Final = "Another treatment option is to use creams or lotions to help reduce or get rid of your scars."
S_OTC: Final = "There are different over the counter creams available and your doctor may even prescribe a cream."
S_NATURAL: Final = "There are also some natural creams and lotions available that may assist with removing acne scars."

ENTRIES: Final[tuple[Entry, ...]] = (
    # Exfoliation ----------------------------------------------------------------------------------
    Entry(
        id="exf-often",
        topic="exfoliation",
        question="How often should I exfoliate my back?",
        short="A couple of times a week, with a loofah and a body scrub.",
        detail="More often than that tends to irritate the skin rather than clear it. Be gentle, and skip any "
        "spots that are inflamed, sore or broken. The exfoliation plan (/plan exfoliation) reminds you twice "
        "a week.",
        asks=(
            "how many times a week should I scrub",
            "how frequently to exfoliate",
            "exfoliation schedule",
            "how regularly should I use a body scrub",
            "twice a week or more",
        ),
        related=("exf-daily", "exf-what", "exf-results"),
        seed=S_LOOFAH,
    ),
    Entry(
        id="exf-what",
        topic="exfoliation",
        question="What should I use to exfoliate?",
        short="A loofah and a body scrub are enough.",
        detail="Use gentle pressure on damp skin and rinse well. A long-handled brush or a loofah on a strap "
        "helps you reach the middle of your back.",
        asks=(
            "best exfoliator for back",
            "loofah or brush",
            "which scrub should I buy",
            "exfoliating glove or sponge",
            "tools to exfoliate my back",
            "how do I reach my back to scrub",
            "what do I exfoliate with",
        ),
        related=("exf-often", "exf-how", "prev-wash"),
        seed=S_LOOFAH,
    ),
    Entry(
        id="exf-why",
        topic="exfoliation",
        question="What does exfoliating do for back acne scars?",
        short="It gets rid of old dead skin cells and stops your pores from blocking up and causing more acne.",
        detail="It is the first treatment option: simple, cheap and done at home. For deeper scars it works "
        "best alongside a cream, or before you try a professional treatment.",
        asks=(
            "does exfoliating help scars",
            "benefits of exfoliation",
            "is exfoliation worth it",
            "why exfoliate my back",
            "does scrubbing remove acne scars",
        ),
        related=("exf-often", "exf-results", "cmp-start"),
        seed=S_DEAD_SKIN,
    ),
    Entry(
        id="exf-results",
        topic="exfoliation",
        question="How long until exfoliating shows results?",
        short="Give it several weeks of steady use: skin renews slowly, and scars fade slowly.",
        detail="Smoother skin can come sooner than lighter marks. Deep or pitted scars may not change much with "
        "exfoliation alone; that is when professional options are worth asking a dermatologist about.",
        asks=(
            "when will I see results from scrubbing",
            "how long does exfoliation take to work",
            "how fast does exfoliating fade scars",
            "I have been exfoliating for weeks and see no change",
            "how long before scrubbing makes a difference",
        ),
        related=("exf-often", "cmp-how-long", "cream-how-long"),
    ),
    Entry(
        id="exf-daily",
        topic="exfoliation",
        question="Is it safe to exfoliate every day?",
        short="Not usually: a couple of times a week is the guide's advice, and daily scrubbing can irritate skin.",
        detail="Irritated skin can get red, dry and sore, which does not help scars. If you want something daily, "
        "use a gentle wash and keep the scrub for two days a week.",
        asks=(
            "can I use a loofah every day",
            "daily exfoliation",
            "is scrubbing every day too much",
            "over exfoliating",
            "exfoliate twice a day",
        ),
        related=("exf-often", "exf-irritation", "exf-what"),
    ),
    Entry(
        id="exf-irritation",
        topic="exfoliation",
        question="My back is red or stinging after scrubbing: what now?",
        short="Stop scrubbing and let the skin settle; use only a gentle wash until it is calm again.",
        detail="Don't put strong products on irritated skin. Next time scrub more gently and less often. If it "
        "blisters, bleeds, oozes, or is not better within a few days, see a doctor. " + DERMATOLOGIST,
        asks=(
            "irritation after exfoliating",
            "skin burning after body scrub",
            "my back is raw after the loofah",
            "rash after scrubbing",
            "red itchy skin after exfoliation",
        ),
        related=("exf-daily", "exf-broken", "cmp-derm"),
        safety=True,
    ),
    Entry(
        id="exf-broken",
        topic="exfoliation",
        question="Can I exfoliate over active spots or broken skin?",
        short="No: skip any spots that are inflamed, sore or broken, and scrub only around them.",
        detail="Scrubbing open or inflamed spots can spread irritation and make marks worse. Let them heal first; "
        "a spot that looks infected needs a doctor. " + DERMATOLOGIST,
        asks=(
            "scrub over pimples",
            "exfoliate on open wounds",
            "exfoliating with active acne",
            "loofah on inflamed spots",
            "can I scrub scabs off",
        ),
        related=("exf-irritation", "prev-pick", "cause-infected"),
        safety=True,
    ),
    Entry(
        id="exf-how",
        topic="exfoliation",
        question="How do I exfoliate my back properly?",
        short="On damp skin, small circles with gentle pressure, then rinse well and pat dry.",
        detail="A minute or two is plenty. Pressing harder does not work better; it only irritates.",
        asks=(
            "technique for exfoliating",
            "steps to exfoliate",
            "how hard should I scrub",
            "how to use a loofah on my back",
            "wet or dry skin for scrubbing",
            "right way to exfoliate",
            "exfoliate correctly",
        ),
        related=("exf-what", "exf-often", "exf-irritation"),
    ),
    Entry(
        id="exf-cream",
        topic="exfoliation",
        question="Can I exfoliate and use a scar cream too?",
        short="Usually yes, gently: exfoliating and a cream are the two home treatments and work side by side.",
        detail="Put a new cream on calm skin, not straight after a hard scrub, and add one new product at a time. "
        "If your skin stings or gets red, stop and ask a pharmacist or doctor.",
        asks=(
            "combine scrubbing with a lotion",
            "exfoliate then apply cream",
            "use scar cream after exfoliation",
            "scrub and moisturise",
        ),
        related=("cream-mixing", "exf-often", "cream-which"),
    ),
    Entry(
        id="exf-procedure",
        topic="exfoliation",
        question="Should I stop exfoliating before a peel or laser?",
        short="Usually yes: pause exfoliating for the days your clinic tells you, before and after a procedure.",
        detail="Treated skin needs time to heal, and scrubbing it can cause irritation. Ask the clinic how long; "
        "/series pause N can pause the exfoliation reminders around each session.",
        asks=(
            "exfoliate after microdermabrasion",
            "scrub before chemical peel",
            "pause exfoliation around treatment",
            "when can I exfoliate again after laser",
        ),
        related=("peel-before", "laser-after", "md-after"),
    ),
    Entry(
        id="exf-hurt",
        topic="exfoliation",
        question="Should exfoliating hurt?",
        short="No: it should feel a little rough, never painful.",
        detail="Pain or stinging means you are scrubbing too hard, too often, or over broken skin. Ease off, and "
        "see a doctor about skin that stays sore. " + DERMATOLOGIST,
        asks=(
            "does a body scrub hurt",
            "exfoliating is painful",
            "is it supposed to sting when I scrub",
        ),
        related=("exf-irritation", "exf-how", "exf-daily"),
    ),
    # Creams and lotions -----------------------------------------------------------------------------
    Entry(
        id="cream-which",
        topic="creams",
        question="Which cream helps back acne scars?",
        short="There are different over-the-counter creams, and your doctor may prescribe one.",
        detail="The guide does not recommend a brand or an ingredient. A pharmacist can explain what is on the "
        "shelf; a doctor or dermatologist can prescribe something stronger. Patch-test anything new on a small "
        "area first.",
        asks=(
            "best scar cream for my back",
            "recommend a lotion for acne marks",
            "what ointment fades scars",
            "over the counter scar treatment",
            "what gel should I buy for scars",
        ),
        related=("cream-natural", "cream-prescription", "cream-ingredient"),
        seed=S_OTC,
    ),
    Entry(
        id="cream-work",
        topic="creams",
        question="Do creams really help scars?",
        short="They can help reduce scars, and for some people fade them.",
        detail="Creams and lotions are one of the treatment options, gentler than professional ones. Deep, "
        "pitted scars usually respond better to the procedures a dermatologist offers.",
        asks=(
            "do lotions get rid of acne scars",
            "are scar creams worth it",
            "will a cream remove my scars",
            "can creams fade marks",
            "do creams actually work",
            "does cream make a difference",
        ),
        related=("cream-which", "cream-how-long", "cmp-best"),
        seed=S_CREAMS,
    ),
    Entry(
        id="cream-natural",
        topic="creams",
        question="Do natural creams or remedies work?",
        short="Some natural creams and lotions may help with acne scars.",
        detail="Natural does not always mean gentle: patch-test on a small area first and stop if it stings, "
        "itches or gets red. Don't put kitchen ingredients such as lemon juice on your skin.",
        asks=(
            "home remedies for back scars",
            "aloe vera or tea tree oil for scars",
            "organic lotion for acne marks",
            "herbal cream for bacne scars",
        ),
        related=("cream-which", "cream-patch", "cream-work"),
        seed=S_NATURAL,
    ),
    Entry(
        id="cream-prescription",
        topic="creams",
        question="Can a doctor prescribe a scar cream?",
        short="Yes: your doctor may prescribe a cream when over-the-counter ones are not enough.",
        detail="Tell them what you have tried, any medication you take, and whether you are or may be pregnant. "
        + DERMATOLOGIST,
        asks=(
            "prescription cream for scars",
            "should I ask my GP for a cream",
            "stronger cream from the doctor",
            "prescribed lotion for bacne",
        ),
        related=("cream-which", "cream-pregnant", "cmp-derm"),
        seed=S_OTC,
    ),
    Entry(
        id="cream-how-often",
        topic="creams",
        question="How often should I apply scar cream?",
        short="As its label or your doctor says; many people find a fixed time each day, such as before bed, easiest.",
        detail="Consistency matters more than amount: a thin layer on clean skin. The nightly cream plan (/plan "
        "cream) reminds you.",
        asks=(
            "how many times a day should I put lotion on",
            "morning or night cream",
            "when to apply scar cream",
            "how much cream should I use",
        ),
        related=("cream-how-long", "cream-which", "exf-cream"),
    ),
    Entry(
        id="cream-how-long",
        topic="creams",
        question="How long until a scar cream works?",
        short="Expect weeks to months, not days, and it varies from person to person.",
        detail="Take a photo now and compare in a month or two in the same light. If nothing has changed after "
        "a few months, ask a doctor about other options.",
        asks=(
            "when will the lotion fade my scars",
            "how fast do scar creams work",
            "been using cream for a month no results",
            "how soon will I see a difference with cream",
        ),
        related=("cream-how-often", "cmp-how-long", "cmp-derm"),
    ),
    Entry(
        id="cream-ingredient",
        topic="creams",
        question="Does retinol or vitamin C help back acne scars?",
        short="I don't have a good answer about specific ingredients: the guide does not cover them.",
        detail="Some are strong and can irritate, and some are not for use in pregnancy. Ask a pharmacist or a "
        f"dermatologist before trying one. {DERMATOLOGIST}",
        asks=(
            "retinoid for scars",
            "is vitamin c serum good for bacne",
            "salicylic acid or glycolic acid lotion",
            "benzoyl peroxide for back acne",
            "niacinamide or azelaic acid",
            "hyaluronic acid for scars",
        ),
        related=("cream-mixing", "cream-pregnant", "cream-which"),
    ),
    Entry(
        id="cream-mixing",
        topic="creams",
        question="Can I mix strong skin products?",
        short="Don't layer strong products on top of each other: start one new product at a time.",
        detail="Mixing acids, retinoids or other strong actives, or using them right after scrubbing, can burn "
        "and irritate skin. If your skin stings, peels badly or gets worse, stop them and see a doctor. "
        + DERMATOLOGIST,
        asks=(
            "combine retinol and acids",
            "use two scar creams together",
            "layering skincare actives",
            "mix benzoyl peroxide with other creams",
            "is it safe to use several products at once",
            "use two actives together",
        ),
        related=("cream-ingredient", "exf-cream", "cream-patch"),
        safety=True,
    ),
    Entry(
        id="cream-pregnant",
        topic="creams",
        question="Can I use scar treatments while pregnant or breastfeeding?",
        short="Ask your doctor first: some creams and procedures are not suitable in pregnancy or while breastfeeding.",
        detail="Gentle washing and loose clothes are fine; check everything else, including natural products "
        "and professional treatments, with your doctor. " + DERMATOLOGIST,
        asks=(
            "pregnancy safe acne scar treatment",
            "I am pregnant can I use cream",
            "nursing mother scar cream",
            "laser or peel during pregnancy",
        ),
        related=("cream-ingredient", "cmp-derm", "cream-prescription"),
        safety=True,
    ),
    Entry(
        id="cream-patch",
        topic="creams",
        question="How do I patch test a new cream?",
        short="Put a little on a small patch of skin for a day or two before using it on your whole back.",
        detail="If that patch stings, burns, itches or gets a rash, don't use the product, and ask a pharmacist "
        "or doctor. Follow the label.",
        asks=(
            "cream burns my skin",
            "allergic reaction to lotion",
            "test a product before using it",
            "rash after applying cream",
        ),
        related=("cream-mixing", "cream-natural", "cream-which"),
    ),
    # Asked often, answered by none of the entries above (the labelled questions' declines, 2026-12-02) ---
    Entry(
        id="cream-apply",
        topic="creams",
        question="How do I reach my back to apply cream?",
        short="A lotion applicator or a clean long-handled sponge reaches the middle of your back; or ask "
        "someone to help.",
        detail="Use a thin layer on clean, dry skin and wash the applicator and your hands afterwards. Spreading "
        "a little at a time is easier than one big dollop and wastes less.",
        asks=(
            "cant reach my back to apply lotion",
            "how to apply scar cream to your back",
            "tool for putting cream on my back",
            "reaching the middle of my back with cream",
            "back lotion applicator any good",
            "how do you moisturise your own back",
        ),
        related=("cream-how-often", "cream-which", "cream-patch"),
    ),
    Entry(
        id="cream-purging",
        topic="creams",
        question="My back got worse after starting a new cream: is that normal?",
        short="Some strong ingredients can make skin dry or a little irritated at first. "
        "Burning, a rash or swelling is not normal.",
        detail="Go back to using it less often and keep the rest of your routine gentle. Stop it and see a doctor "
        "if it burns, blisters, spreads or keeps getting worse after a few weeks. " + DERMATOLOGIST,
        asks=(
            "is my cream making me purge",
            "skin purging on my back",
            "breaking out more since i started retinol",
            "new lotion made my bacne worse",
            "does it get worse before it gets better",
            "cream made my back flare up",
        ),
        related=("cream-patch", "cream-mixing", "cream-how-often"),
        safety=True,
    ),
    Entry(
        id="cream-brand",
        topic="creams",
        question="Is a particular product or brand good for back acne?",
        short="I can't recommend brands, but the label tells you a lot: look at the active ingredients and start "
        "gently.",
        detail="A product is only as good as what is in it and how your skin takes it. Check the ingredients "
        "against what you are treating, patch test it first, and ask a pharmacist or dermatologist if you are "
        "unsure. " + DERMATOLOGIST,
        asks=(
            "is this body wash any good for bacne",
            "what brand of scar cream should i buy",
            "is a drugstore product good for back acne",
            "which product do you recommend",
            "best brand for back acne scars",
            "is this serum any good for my back",
        ),
        related=("cream-ingredient", "cream-which", "cream-patch"),
    ),
    Entry(
        id="cream-medicine",
        topic="creams",
        question="Which acne tablets or medicines should I take?",
        short="I can't advise on medicines or doses: that is for a doctor, who can check what is safe for you.",
        detail="Antibiotics, hormonal treatments and other acne tablets need a prescription and a doctor who "
        "knows your health and other medication. A pharmacist can advise on what is sold over the counter. "
        + DERMATOLOGIST,
        asks=(
            "what pills are good for back acne",
            "should i take antibiotics for bacne",
            "which medication clears back acne",
            "can i buy acne tablets at the pharmacy",
            "supplements for back acne",
            "how much of a medicine should i take for acne",
        ),
        related=("cream-prescription", "cmp-derm", "cause-hormones"),
        safety=True,
    ),
)
