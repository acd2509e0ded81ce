"""Write data/eval/real_pairs.csv from hand-judged pairs of verbatim official claims and monitor reports.

Each pair below names a claim (a sentence from ../shared/data/press_releases or the founding article in
../shared/data/seed) and an evidence text (a Centre for Information Resilience event by its `entry` id,
or a sentence of the founding article by a monitor), with the label we gave it by data/eval/GUIDELINE.md
after reading both. This script resolves dates and sources, checks that every text is verbatim in the
shared data, assigns the held-out split by claim with a fixed seed, and writes the CSV.

    python -m crosscheck.training.build_real_pairs [--shared ../shared/data]
"""

from __future__ import annotations

import argparse
import csv
import random
import re
import sys
from pathlib import Path

from crosscheck import config

OUT = config.DATA_DIR / "eval" / "real_pairs.csv"
# The shared data sit next to the checkout: ../shared/data.
DEFAULT_SHARED = config.ROOT.parent / "shared" / "data"
SPLIT_SEED = 7
HELDOUT_SHARE = 0.40
MIN_HELDOUT_ROWS = 80
MIN_HELDOUT_PER_STANCE = 25

KREMLIN = "press_releases/putin_kremlin_en_news_2021-10-24_2022-06-24.csv"
ZELENSKY = "press_releases/zelenskyy_president_gov_ua_en_news_2021-10-24_2022-06-24.csv"
SEED = "seed/moscow_times_2022-02-16_withdrawal_skepticism.txt"
CIR = "cir_monitor/events.csv"
SEED_NAME = "The Moscow Times, 16 Feb 2022"  # the stored article carries no link
SEED_DATE = "2022-02-16"
FIELDS = ["pair_id", "claim", "claim_source", "claim_speaker", "claim_date", "evidence", "evidence_source",
          "evidence_date", "evidence_place", "label", "split", "note"]

PUTIN = "Vladimir Putin"
PUTIN_READOUT = "Vladimir Putin (Kremlin readout)"
SHOIGU = "Sergei Shoigu (Defence Minister of Russia)"
ZEL = "Volodymyr Zelenskyy"
ZEL_READOUT = "Volodymyr Zelenskyy (Office of the President readout)"

# claim id -> (file, row in that CSV counted from 0, speaker, verbatim text); seed claims carry their date
CLAIMS: dict[str, tuple] = {
    "seed_putin": (SEED, None, PUTIN, "a decision has been taken to partially withdraw forces", "2022-02-15"),
    "seed_makei": (SEED, None, "Vladimir Makei (Foreign Minister of Belarus)",
                   "Not a single Russian serviceman, not a single piece of equipment will remain in Belarus "
                   "after the completion of exercises with Russia", "2022-02-16"),
    "seed_zelenskiy": (SEED, None, ZEL, "We react to the reality we have and we don’t see any withdrawal yet",
                       "2022-02-16"),
    "k436": (KREMLIN, 436, PUTIN, "Yes, a decision has been made to pull out part of the troops."),
    "k420": (KREMLIN, 420, PUTIN, "I would like to point out that these exercises are purely defensive and do not threaten anyone."),
    "k396": (KREMLIN, 396, PUTIN, "It is not our plan to occupy the Ukrainian territory."),
    "k378": (KREMLIN, 378, PUTIN_READOUT, "The President of Russia made a point of noting that the Russian Armed Forces do not threaten civilians and do not target civilian facilities."),
    "k365": (KREMLIN, 365, PUTIN_READOUT, "They are using precision weapons to destroy exclusively military infrastructure."),
    "k359": (KREMLIN, 359, PUTIN_READOUT, "During the special operation, the Russian military are doing all they can to protect civilian lives."),
    "k355": (KREMLIN, 355, PUTIN, "Our servicemen are working without haste and are doing everything to ensure the safety of civilians."),
    "k349": (KREMLIN, 349, PUTIN_READOUT, "At the same time, the Russian Armed Forces are making every effort to spare the lives and ensure the safety of civilians and are carrying out pinpoint strikes exclusively at military infrastructure facilities."),
    "k329": (KREMLIN, 329, "Alexander Lukashenko (President of Belarus)", "Secondly, they want to attack the positions of the troops that remained in Belarus after their joint exercises with Russia."),
    "k229": (KREMLIN, 229, PUTIN, "Then it turned out that it was a fake, just like the fake in Bucha."),
    "k199": (KREMLIN, 199, PUTIN_READOUT, "The President of Russia told Mr Michel about ongoing measures to protect civilians, daily openings of humanitarian corridors and the announcement of a cease-fire for the safe evacuation of civilians from the zone of hostilities."),
    "k365b": (KREMLIN, 365, PUTIN_READOUT, "Another point the President of Russia emphasised was that the Russian Armed Forces involved in the special operation, which is proceeding according to plan, are doing their utmost to save civilian lives."),
    "k362": (KREMLIN, 362, PUTIN, "I would like to repeat that our soldiers and officers are trying to prevent civilian casualties, and regrettably, they are sustaining losses while doing this."),
    "k306b": (KREMLIN, 306, PUTIN_READOUT, "It was noted that the Russian Armed Forces were doing everything possible to preserve the lives of civilians including by organising safe corridors for the population to leave cities in the war zone."),
    "k321a": (KREMLIN, 321, PUTIN_READOUT, "In this context, Vladimir Putin pointed out the latest barbarous action of the Ukrainian military – today's missile attack at Donetsk central part."),
    "k321b": (KREMLIN, 321, PUTIN_READOUT, "The missile had a cluster munition, which resulted in numerous civilian casualties."),
    "k314a": (KREMLIN, 314, PUTIN, "Our fellows – soldiers and officers – are displaying courage and heroism and are doing all they can to avoid civilian losses in Ukrainian cities."),
    "k314b": (KREMLIN, 314, PUTIN, "The movement of Russian forces against Kiev and other Ukrainian cities is not connected with a desire to occupy that country."),
    "k306": (KREMLIN, 306, PUTIN_READOUT, "The President of Russia noted that the Ukrainian security forces shelled residential areas of Donetsk and Makeyevka, which resulted in heavy casualties."),
    "k300": (KREMLIN, 300, PUTIN_READOUT, "Vladimir Putin emphasised the continuing missile strikes by the Ukrainian army at Donetsk and other cities in the Donetsk and Lugansk people's republics which cause numerous civilian casualties."),
    "k202a": (KREMLIN, 202, SHOIGU, "While liberating Mariupol, the Russian army and the people's militia units from the DPR took every precaution to save civilian lives."),
    "k202b": (KREMLIN, 202, SHOIGU, "As of today, the Russian Army and the Donetsk People's Republic's people's militia control all of Mariupol, reliably blocking Azovstal territory with what remains of the nationalist forces and foreign mercenaries."),
    "k185": (KREMLIN, 185, PUTIN, "we faced a provocation in the town of Bucha, which the Russian Army had nothing to do with."),
    "k18": (KREMLIN, 18, PUTIN, "Second, the absolutely senseless attacks on the residential areas of Donetsk stem from the fact that the line of demarcation created eight years ago is a strong fortified area."),
    "z639": (ZELENSKY, 639, ZEL_READOUT, "At the same time, according to the President, the Ukrainian side believes that a broad escalation on the part of Russia will not happen."),
    "z614": (ZELENSKY, 614, ZEL, 'Okhtyrka, Sumy region, was shelled by "Uragans".'),
    "z581": (ZELENSKY, 581, ZEL, "Just yesterday, Russian bombs killed 47 people in Chernihiv."),
    "z566": (ZELENSKY, 566, ZEL, "They fired at Kharkiv, at residential areas of a peaceful city."),
    "z537": (ZELENSKY, 537, ZEL, "They bombed the square in our city of Kharkiv - Freedom Square."),
    "z517a": (ZELENSKY, 517, ZEL, "In Chernihiv, the occupiers fired at civilians who were simply standing in line for bread."),
    "z517b": (ZELENSKY, 517, ZEL, "In Mariupol, in besieged Mariupol, Russian aircraft purposefully dropped a huge bomb on the Drama Theater in the city center."),
    "z485": (ZELENSKY, 485, ZEL, "On March 9, Russian bombs were dropped on a children's hospital and a maternity hospital in our city of Mariupol."),
    "z454": (ZELENSKY, 454, ZEL, "This morning the Russian missiles hit one of our southern cities - Mykolaiv."),
    "z404": (ZELENSKY, 404, ZEL, "Experience how Russian soldiers killed people on the roads in Bucha for fun."),
    "z400": (ZELENSKY, 400, ZEL, "The Russian military struck at the railway station in our city of Kramatorsk."),
    "z396": (ZELENSKY, 396, ZEL, "Russian troops launched a missile attack on the Kramatorsk railway station this morning."),
    "z341": (ZELENSKY, 341, ZEL, "We managed to liberate from the occupiers the cities and communities of three northern regions of Ukraine - Kyiv, Chernihiv and Sumy."),
    "z227": (ZELENSKY, 227, ZEL_READOUT, "He also recalled the brave residents of the temporarily occupied Kherson, Melitopol, Berdyansk, Enerhodar, Mariupol, towns and villages, who, despite threats and shots from the invaders, went to peaceful rallies in support of Ukraine."),
    "z57": (ZELENSKY, 57, ZEL, "Russian missiles hit Babyn Yar in Kyiv, Russian artillery damaged the Menorah in Drobytsky Yar near Kharkiv."),
    "z29": (ZELENSKY, 29, ZEL, "The occupiers are accumulating forces in the Kharkiv direction, in the Zaporizhzhia region."),
    "z26": (ZELENSKY, 26, ZEL, "Mykolaiv is constantly being bombed, with almost half a million inhabitants."),
    "z6": (ZELENSKY, 6, ZEL, "Mariupol is a city where now, week after week, the Russian occupiers are hiding traces of crimes, burying the remains of murdered people in mass graves."),
    # Claims of TRAIN_ONLY_PAIRS (added after the held-out split was fixed)
    "k359b": (KREMLIN, 359, PUTIN_READOUT, "Reports of shelling in Kiev and other big cities are crudely fabricated propaganda."),
    "k344": (KREMLIN, 344, PUTIN_READOUT, "Vladimir Putin stressed, in particular, that the Russian military take all possible steps to save civilians' lives."),
    "k229b": (KREMLIN, 229, PUTIN, "Actions in certain areas of Ukraine are only aimed at containing the enemy, strikes to destroy the military infrastructure and create conditions for more active operations on the territory of Donbass."),
    "z141": (ZELENSKY, 141, ZEL, "Yesterday, Russian troops again shelled the largest city in the east of our country - Kharkiv."),
    "z255": (ZELENSKY, 255, ZEL, "Today, the invaders launched a missile strike at Odesa."),
}

# monitor sentences of the founding article: id -> (speaker, verbatim text)
SEED_EVIDENCE = {
    "leviev": ("Ruslan Leviev (Conflict Intelligence Team)",
               "Ruslan Leviev of the Conflict Intelligence Team, which uses open sources to monitor Russian military "
               "activities, said his analysis has not indicated that Russian troops are leaving the border — but "
               "rather the opposite, with signs of new deployments to the border regions in recent days."),
    "muzyka1": ("Konrad Muzyka (Rochan Consulting)", "most recent troop deployments suggest that it is not genuine"),
    "muzyka2": ("Konrad Muzyka (Rochan Consulting)",
                "Over the last few days, there was again an influx of videos which showed new equipment arriving "
                "to the border with Ukraine, or near the border"),
    "stoltenberg": ("Jens Stoltenberg (NATO)",
                    "We have heard the signs from Moscow about readiness to continue diplomatic efforts, but so far, "
                    "we have not seen any de-escalation on the ground"),
}

C, S, U = "contradicts", "supports", "unrelated"

# (claim id, evidence: CIR entry or "seed:<id>", label, note)
PAIRS: list[tuple[str, str, str, str]] = [
    # Putin, 15 Feb: partial withdrawal
    ("seed_putin", "seed:leviev", C, "CIT sees new deployments to the border, not withdrawal"),
    ("seed_putin", "seed:muzyka1", C, "Rochan: deployments show the withdrawal is not genuine"),
    ("seed_putin", "seed:muzyka2", C, "new equipment arriving at the border in the same days"),
    ("seed_putin", "seed:stoltenberg", C, "NATO sees no de-escalation on the ground"),
    ("seed_putin", "UW0355", C, "tanks unloaded at Tomarovka near the border two days later"),
    ("seed_putin", "UW0457", C, "tanks moving toward the border, 21 Feb"),
    ("seed_putin", "UW0509", C, "field hospital and camp in Belgorod, 22 Feb"),
    ("seed_putin", "UW0506", S, "equipment leaving a training ground on the day"),
    ("seed_putin", "UW0266", U, "field hospital moved by train the day before the claim"),
    ("seed_putin", "UW0363", U, "movement with no direction: neither withdrawal nor build-up"),
    ("k436", "UW0364", C, "convoy in Belarus heading to the border three days later"),
    ("k436", "UW0396", C, "new military base set up after the claim"),
    ("k436", "UW0481", C, "tanks moving toward the Ukrainian border, 22 Feb"),
    ("k436", "UW0491", C, "convoy moving west toward the border, 23 Feb"),
    ("k436", "UW0502", C, "tanks moving toward the border, 23 Feb"),
    ("k436", "UW0506", S, "equipment leaving a training ground, same day"),
    ("k436", "UW0207", U, "helicopters seen three days before the claim"),
    ("k436", "UW0507", U, "camp set up some time after 5 Feb; may predate the claim"),
    ("k436", "UW0369", U, "convoy inside Crimea heading west; direction says nothing about withdrawal"),
    # Zelenskiy, 16 Feb: no withdrawal seen
    ("seed_zelenskiy", "seed:leviev", S, "CIT also sees no troops leaving"),
    ("seed_zelenskiy", "seed:stoltenberg", S, "NATO sees no de-escalation"),
    ("seed_zelenskiy", "UW0355", S, "tanks unloaded near the border, 17 Feb"),
    ("seed_zelenskiy", "UW0502", S, "tanks moving toward the border, 23 Feb"),
    ("seed_zelenskiy", "UW0509", S, "field hospital in Belgorod, 22 Feb"),
    ("seed_zelenskiy", "UW0506", C, "equipment seen leaving a training ground the day before"),
    ("seed_zelenskiy", "UW0173", U, "tanks stationed in a field a week earlier; says nothing about withdrawal"),
    # Zelenskiy (readout), 22 Feb: no broad escalation
    ("z639", "UW0545", C, "Russian forces entering Ukraine two days later"),
    ("z639", "UW0575", C, "Russian attack on Hostomel, 24 Feb"),
    ("z639", "UW0551", C, "tanks crossing the Antonivskyi bridge, 24 Feb"),
    ("z639", "UW0540", C, "helicopters moving toward Hostomel airfield, 24 Feb"),
    ("z639", "UW0529", C, "tanks moving from Crimea into Ukraine, 24 Feb"),
    ("z639", "UW0173", U, "tanks in a field on 10 Feb, before the claim"),
    ("z639", "UW0067", U, "equipment moving in Belarus on 1 Jan"),
    # Makei, 16 Feb: nothing stays in Belarus after the drills (end 20 Feb)
    ("seed_makei", "UW0486", C, "new military base in Belarus three days after the drills ended"),
    ("seed_makei", "UW0901", C, "missile launched from Mazyr, Belarus, 27 Feb"),
    ("seed_makei", "UW1738", C, "Russian equipment moving by train in Gomel, 8 Mar"),
    ("seed_makei", "UW4801", C, "Russian field hospital in Belarus, 17 Mar"),
    ("seed_makei", "UW3401", C, "Russian military base in Belarus, 22 Mar"),
    ("seed_makei", "UW0200", U, "camp seen 11 Feb, before the drills ended: cannot refute the promise"),
    ("seed_makei", "UW0505", U, "camp seen 15 Feb, before the drills ended"),
    ("seed_makei", "UW0411", U, "tanks transported 19 Feb, before the drills ended"),
    ("seed_makei", "UW3942", U, "column moving away from the border inside Belarus; does not show leaving Belarus"),
    # Lukashenko, 11 Mar: troops remained in Belarus
    ("k329", "UW3401", S, "Russian military base in Belarus, 22 Mar"),
    ("k329", "UW5630", S, "new military camp near Dublin, Belarus"),
    ("k329", "UW2168", S, "Russian equipment in Belarus on the day"),
    ("k329", "UW4801", S, "Russian field hospital in Belarus"),
    ("k329", "UW3450", U, "Belarusian, not Russian, forces"),
    ("k329", "UW0067", U, "1 Jan, before the exercises"),
    # Putin, 18 Feb: exercises purely defensive
    ("k420", "UW0901", C, "missile launched from Belarus into Ukraine nine days later"),
    ("k420", "UW2317", C, "missile launch from Luninets, Belarus"),
    ("k420", "UW3097", C, "drone in Belarus used in combat"),
    ("k420", "UW0267", U, "helicopter movement during the drills; no stance"),
    ("k420", "UW0563", U, "movement north with no sign of purpose"),
    # Putin, 24 Feb: no plan to occupy
    ("k396", "UW1475", C, "Ukrainian base near Kherson taken over"),
    ("k396", "UW2270", C, "Russian troops banning protests in Melitopol"),
    ("k396", "UW2072", C, "Russian forces control a checkpoint inside Ukraine"),
    ("k396", "UW1941", C, "Russian forces occupying Skadovsk"),
    ("k396", "UW1912", U, "forces on the move; says nothing about occupation"),
    ("k396", "UW0562", U, "destroyed Russian equipment in Sumy"),
    # Putin, 16 Mar: no desire to occupy
    ("k314b", "UW2857", C, "Russian troops arresting a protest organiser in Berdyansk"),
    ("k314b", "UW3310", C, "protester chased by Russian forces in Kherson"),
    ("k314b", "UW3854", C, "Russian forces at a district administration in Mariupol"),
    ("k314b", "UW2776", C, "Russian National Guard entering the Zaporizhzhia plant"),
    ("k314b", "UW2853", U, "abandoned vehicles; no stance on occupation"),
    # Readout, 28 Feb: no threat to civilians, no civilian targets
    ("k378", "UW1065", C, "Russian soldiers firing toward civilians in Borodyanka the same day"),
    ("k378", "UW0755", C, "civilian building in Kyiv hit by a Russian missile"),
    ("k378", "UW1031", C, "residential building hit by a reported Russian airstrike"),
    ("k378", "UW1185", C, "Russian airstrike on a residential building in Irpin"),
    ("k378", "UW1746", C, "civilian car fired on by a BMP-2, two killed"),
    ("k378", "UW0836", U, "damage likely from Ukrainian air defence, not a Russian target"),
    ("k378", "UW0768", U, "civilians blocking a convoy; no harm reported"),
    ("k378", "UW0792", U, "equipment moving; no stance"),
    # Readout, 3 Mar: precision weapons, only military infrastructure
    ("k365", "UW1763", C, "residential building destroyed in an airstrike in Chernihiv"),
    ("k365", "UW1203", C, "shelling kills civilians in Kharkiv"),
    ("k365", "UW6757", C, "two schools and homes struck in Chernihiv"),
    ("k365", "UW0967", S, "strike on a military base in Okhtyrka"),
    ("k365", "UW1076", U, "Russian equipment being hit: a Ukrainian strike, not Russian targeting"),
    ("k365", "UW1064", U, "equipment movement; no stance"),
    # Readout, 4 Mar: doing all they can to protect civilians
    ("k359", "UW1281", C, "civilian roadblock attacked by Russian forces"),
    ("k359", "UW4654", C, "civilian on a bike shot by Russian soldiers"),
    ("k359", "UW1229", U, "protest; no harm reported"),
    ("k359", "UW1149", U, "protest; no harm reported"),
    # Putin, 5 Mar: doing everything for civilians' safety
    ("k355", "UW1774", C, "cluster strike on a queue of civilians in Kharkiv next day"),
    ("k355", "UW1767", C, "soldiers shoot a civilian at a protest in occupied Novopskov"),
    ("k355", "UW1411", C, "Russian cruise missile strike on a residential area"),
    ("k355", "UW1570", U, "evacuation; does not say who enabled it"),
    ("k355", "UW1465", U, "protest; no harm reported"),
    # Readout, 6 Mar: pinpoint strikes only at military infrastructure
    ("k349", "UW1534", C, "civilian casualties after a Russian strike in Irpin"),
    ("k349", "UW1402", C, "Russian tank shooting at a residential building"),
    ("k349", "UW1774", C, "cluster munitions on a queue of civilians"),
    ("k349", "UW1544", C, "civilian shot by Russian forces"),
    ("k349", "UW1790", C, "homes heavily damaged; the military base was 200 m away"),
    ("k349", "UW0967", S, "strike on a military base"),
    ("k349", "UW0640", S, "strikes at Chuhuiv military airfield"),
    ("k349", "UW1572", U, "protest in Kherson; no strike"),
    ("k349", "UW1518", U, "damaged equipment of unknown side"),
    # Putin, 16 Mar: avoiding civilian losses
    ("k314a", "UW3080", C, "drama theatre sheltering civilians destroyed the same day"),
    ("k314a", "UW5639", C, "hospital and homes damaged in Mariupol"),
    ("k314a", "UW2802", C, "shelling of civilian infrastructure in besieged Mariupol"),
    ("k314a", "UW2647", U, "forces advancing; no harm reported"),
    ("k314a", "UW6489", U, "civilians leaving by bus; does not say who enabled it"),
    # Shoigu, 21 Apr: every precaution to save civilian lives in Mariupol
    ("k202a", "UW2805", C, "drama theatre used as a shelter destroyed"),
    ("k202a", "UW3868", C, "maternity hospital struck, casualties"),
    ("k202a", "UW2411", C, "Russian shelling close to residential areas"),
    ("k202a", "UW2229", C, "children's hospital struck, casualties"),
    ("k202a", "UW6506", U, "reports what the Russian military claims, not an observed fact"),
    ("k202a", "UW5724", U, "DPR soldiers in the city; no stance on civilians"),
    # Shoigu, 21 Apr: all of Mariupol controlled, Azovstal blocked
    ("k202b", "UW6933", S, "Russian troops patrolling near Azovstal"),
    ("k202b", "UW7647", S, "Russian positions at northern Azovstal"),
    ("k202b", "UW8879", S, "Russian forces in Mariupol two days later"),
    ("k202b", "UW6556", C, "Russians still trying to gain ground in the city five days later"),
    ("k202b", "UW5969", U, "fighting two days before the claim"),
    ("k202b", "UW3197", U, "a month before the claim"),
    # Putin, 26 Apr: Bucha a provocation
    ("k185", "UW4654", C, "civilian on a bike shot by Russian soldiers in Bucha, 3 Mar"),
    ("k185", "UW5661", C, "bodies on the street on 19 Mar, while Russia held Bucha"),
    ("k185", "UW4476", C, "Russian forces seen where civilian bodies were later found"),
    ("k185", "UW4908", C, "widow describes husband's execution by Russian forces"),
    ("k185", "UW2640", U, "Russian airborne units in Bucha; no stance on the killings"),
    ("k185", "UW1453", U, "destroyed Russian convoy, 26 Feb"),
    ("k185", "UW5184", U, "destroyed cars and mall; no stance"),
    # Putin, 12 Apr: Bucha a fake
    ("k229", "UW5661", C, "bodies on the street on 19 Mar, while Russia held Bucha"),
    ("k229", "UW4432", C, "bodies with hands tied, Russian ration packs beside them"),
    ("k229", "UW4519", C, "mass grave in use since early March"),
    ("k229", "UW5621", C, "mass grave seen on satellite imagery on 21 Mar"),
    ("k229", "UW4633", U, "a dead Russian soldier; no stance"),
    ("k229", "UW4629", U, "destroyed military vehicles; no stance"),
    # Readout, 3 Mar: utmost to save civilian lives
    ("k365b", "UW1298", C, "bodies after bombing in Chernihiv, 1 Mar"),
    ("k365b", "UW1022", C, "missile hits city administration and theatre in Kharkiv"),
    ("k365b", "UW2998", C, "civilian vehicles fired on"),
    ("k365b", "UW1310", U, "Russian military casualties; no stance on civilians"),
    # Putin, 3 Mar: trying to prevent civilian casualties, sustaining losses
    ("k362", "UW1224", C, "bombing of a civilian building in Chernihiv the same day"),
    ("k362", "UW1185", C, "Russian airstrike on a residential building the day before"),
    ("k362", "UW1782", C, "family killed by a strike in an evacuation corridor, 6 Mar"),
    ("k362", "UW1356", S, "Russian troop casualties: confirms the losses part"),
    ("k362", "UW1064", U, "equipment movement; no stance"),
    # Readout, 18 Mar: safe corridors, preserving civilian lives
    ("k306b", "UW2954", C, "ten killed waiting for food in Chernihiv two days earlier"),
    ("k306b", "UW5262", C, "shelling during an evacuation from Irpin"),
    ("k306b", "UW2686", C, "dead civilians in a supermarket queue"),
    ("k306b", "UW1961", S, "evacuation of civilians from Sumy"),
    ("k306b", "UW3145", U, "industrial fire; no stance"),
    # Readout, 22 Apr: daily humanitarian corridors and ceasefires
    ("k199", "UW4548", C, "evacuation convoy from Melitopol blocked by Russian forces"),
    ("k199", "UW5210", S, "civilians evacuating from Mariupol"),
    ("k199", "UW6491", S, "evacuation buses near Vasylivka"),
    ("k199", "UW6059", U, "a destroyed hospital; no stance on corridors"),
    # Donetsk shelled by Ukraine (Kremlin)
    ("k306", "UW3576", S, "bodies and damage after a strike in Donetsk on the day (attacker not named)"),
    ("k306", "UW3573", S, "residential buildings damaged in Donetsk"),
    ("k306", "UW2191", S, "residential area in Donetsk damaged by shelling"),
    ("k306", "UW3261", U, "Volnovakha, a different town"),
    ("k306", "UW6678", U, "Yatskivka, a different place"),
    ("k321a", "UW2434", S, "Tochka remnants in central Donetsk"),
    ("k321a", "UW2394", S, "missile fragments after a strike in central Donetsk"),
    ("k321a", "UW2400", S, "civilian casualties after the missile in Donetsk"),
    ("k321a", "UW2606", U, "jet flying low; no missile"),
    ("k321a", "UW7725", U, "May shelling of Russian positions elsewhere"),
    ("k321b", "UW2432", S, "cluster variant of Tochka, tens of casualties"),
    ("k321b", "UW2454", S, "bodies in the street after the missile"),
    ("k321b", "UW2392", U, "remnants only: neither cluster nor casualties"),
    ("k300", "UW2400", S, "civilian casualties from the missile in Donetsk"),
    ("k300", "UW2393", S, "destroyed civilian cars in central Donetsk"),
    ("k300", "UW4059", U, "Russian positions hit in Mariupol"),
    ("k300", "UW5483", U, "attacks on Russian forces, a month later"),
    ("k18", "UW9973", S, "shelling damage at a Donetsk market"),
    ("k18", "UW8950", S, "Donetsk maternity hospital roof damaged"),
    ("k18", "UW8475", S, "destruction in a Donetsk district"),
    ("k18", "UW9071", U, "a military base, not a residential area"),
    ("k18", "UW9042", U, "Vuhledar, a different town"),
    ("k18", "UW9077", U, "Bakhmut, a different town"),
    # Zelenskyy: strikes on cities
    ("z396", "UW5134", S, "missile strike at the Kramatorsk station"),
    ("z396", "UW5164", S, "strike on the station, civilian casualties"),
    ("z396", "UW5026", S, "Tochka missile next to the station"),
    ("z396", "UW5127", S, "casualties after the attack on the station"),
    ("z396", "UW1494", U, "5 Mar explosion, possibly the airport"),
    ("z396", "UW7122", U, "damage to homes in May"),
    ("z400", "UW5027", S, "missile hit the station"),
    ("z400", "UW5036", S, "casualties after the strike"),
    ("z400", "UW10471", U, "a July crater"),
    ("z581", "UW6757", S, "schools and homes struck, deaths reported"),
    ("z581", "UW1286", S, "airstrike aftermath in a residential area"),
    ("z581", "UW1226", S, "residential building bombed"),
    ("z581", "UW2170", U, "hotel bombed on 12 Mar"),
    ("z581", "UW6851", U, "destroyed Ukrainian tank in April"),
    ("z517a", "UW2954", S, "ten killed while waiting for food"),
    ("z517a", "UW2686", S, "dead civilians in a supermarket queue"),
    ("z517a", "UW3145", U, "industrial fire three days later"),
    ("z517a", "UW5651", U, "artillery position seen; not the bread queue"),
    ("z614", "UW0677", S, "kindergarten in Okhtyrka hit by rockets"),
    ("z614", "UW0965", U, "shelling two days after the claim"),
    ("z614", "UW0827", U, "destroyed Russian equipment in Sumy"),
    ("z614", "UW4061", U, "a month later"),
    ("z454", "UW3927", S, "missile strike on the regional administration"),
    ("z454", "UW3981", S, "administration destroyed, 12 killed"),
    ("z454", "UW3952", S, "administration destroyed"),
    ("z454", "UW8504", U, "June strike on a military base"),
    ("z454", "UW8608", U, "June strike on grain storage"),
    ("z517b", "UW6703", S, "drama theatre after the air raid"),
    ("z517b", "UW3620", S, "theatre used as a shelter hit by a strike"),
    ("z517b", "UW2835", S, "destroyed drama theatre"),
    ("z517b", "UW7915", S, "bombed theatre, later images"),
    ("z517b", "UW2827", U, "the theatre before the strike"),
    ("z485", "UW3868", S, "maternity hospital struck on 9 Mar"),
    ("z485", "UW2229", S, "children's hospital struck on 9 Mar"),
    ("z485", "UW1939", S, "hospital shelled by Russian forces"),
    ("z485", "UW6059", U, "another hospital in April"),
    ("z57", "UW1292", S, "missile remnant at the Babyn Yar memorial"),
    ("z57", "UW3832", S, "damaged Menorah outside Kharkiv"),
    ("z57", "UW1233", S, "strike on the TV tower at Babyn Yar"),
    ("z57", "UW1613", U, "Babyntsi, a different place"),
    ("z537", "UW1022", S, "missile hit the city administration on the square"),
    ("z537", "UW1143", S, "Russian strike in central Kharkiv"),
    ("z537", "UW1162", U, "Balakliia, a different town"),
    ("z537", "UW3247", U, "destruction in the centre on 21 Mar, after the claim's event"),
    ("z566", "UW1411", S, "cruise missile strike on a residential area"),
    ("z566", "UW1519", S, "civilian casualties in Kharkiv"),
    ("z566", "UW1774", S, "strike on a queue outside a supermarket"),
    ("z566", "UW1285", U, "damage at an airfield"),
    ("z566", "UW0541", U, "destroyed military equipment on 24 Feb"),
    ("z404", "UW5019", S, "civilians killed at the roadside"),
    ("z404", "UW4269", S, "dead civilians along a road"),
    ("z404", "UW4908", S, "execution by Russian forces"),
    ("z404", "UW4654", S, "cyclist shot by Russian soldiers"),
    ("z404", "UW1453", U, "destroyed Russian convoy"),
    ("z404", "UW5184", U, "destroyed mall; no stance"),
    ("z227", "UW3385", S, "rally dispersed with tear gas in Kherson"),
    ("z227", "UW3381", S, "Russian army opened fire at a protest"),
    ("z227", "UW6891", S, "rally dispersed by Russian forces"),
    ("z227", "UW4380", S, "Enerhodar rally dispersed with shots"),
    ("z227", "UW2323", U, "arrests; no rally"),
    ("z6", "UW8381", S, "thousands of fresh graves west of Mariupol"),
    ("z6", "UW6840", S, "suspected mass graves east of Mariupol"),
    ("z6", "UW7507", S, "mass graves growing"),
    ("z6", "UW5236", S, "makeshift graves at a kindergarten"),
    ("z6", "UW4219", U, "burnt cars in March"),
    ("z6", "UW3901", U, "burning building in March"),
    ("z26", "UW8522", S, "shelling of Mykolaiv, a civilian killed"),
    ("z26", "UW9396", S, "strike on a Mykolaiv grain terminal"),
    ("z26", "UW8504", S, "rocket strike on a base in Mykolaiv"),
    ("z26", "UW8829", U, "Bashtanka, a different town"),
    ("z26", "UW3137", U, "destruction in March"),
    ("z29", "UW9056", C, "equipment moved away from the Kharkiv direction two days earlier"),
    ("z29", "UW8631", S, "Russian pontoon crossing near Kupiansk"),
    ("z29", "UW9249", S, "Russian column near Kupiansk, 21 Jun"),
    ("z29", "UW8699", U, "air strike on a shopping centre"),
    ("z341", "UW4184", S, "Russian military moving away from the border"),
    ("z341", "UW3942", S, "Russian column and Iskander moving away from the border"),
    ("z341", "UW5240", S, "abandoned Russian camp at Hostomel"),
    ("z341", "UW5555", U, "Russian troops in Berezivka on 6 Apr: before the claim, place unclear"),
    ("z341", "UW6224", U, "damage in Okhtyrka; no stance"),
]

# Pairs added after the held-out split was drawn: always `train`, so the held-out part stays exactly as
# it was (adding claims to PAIRS would redraw it). Their claims and events appear in no held-out pair.
TRAIN_ONLY_PAIRS: list[tuple[str, str, str, str]] = [
    # Kremlin readout, 4 Mar: shelling of Kyiv and other cities is fabricated
    ("k359b", "UW1338", C, "strike on the Kyiv TV tower two days before"),
    ("k359b", "UW1151", C, "Russian shelling of Kharkiv, 2 Mar"),
    ("k359b", "UW1219", C, "shelling of a residential area of Kharkiv, 3 Mar"),
    ("k359b", "UW1244", C, "residential building destroyed in Kharkiv, 2 Mar"),
    ("k359b", "UW1707", C, "remains of a missile on a Kyiv street, 2 Mar"),
    ("k359b", "UW0986", U, "a convoy seen by satellite: no shelling reported"),
    ("k359b", "UW0987", U, "abandoned Russian column in Borodyanka"),
    # Kremlin readout, 7 Mar: the military take all possible steps to save civilians
    ("k344", "UW1472", C, "residential area destroyed in Bila Tserkva, 5 Mar"),
    ("k344", "UW1794", C, "heavy damage to a residential building after strikes in Kharkiv, 5 Mar"),
    ("k344", "UW1417", C, "damaged residential area in Irpin, 5 Mar"),
    ("k344", "UW1502", C, "multiple residential buildings damaged in Kharkiv, 6 Mar"),
    ("k344", "UW1415", U, "residents block a road in Enerhodar: no harm to civilians reported"),
    ("k344", "UW1469", U, "evacuation from Irpin with fighting heard: who fired is not said"),
    # Putin, 12 Apr: strikes only destroy military infrastructure
    ("k229b", "UW5387", C, "children's hospital in Kharkiv damaged by shelling, 12 Apr"),
    ("k229b", "UW5375", C, "strike on a residential building near a school in Kharkiv"),
    ("k229b", "UW5409", C, "Russian shelling near a residential building and school in Kharkiv"),
    ("k229b", "UW5378", C, "tank firing at residential buildings in Mariupol"),
    # Zelenskyy, 27 May: Kharkiv shelled yesterday
    ("z141", "UW8169", S, "shelling aftermath in central Kharkiv, 26 May"),
    ("z141", "UW8171", S, "aftermath of the shelling in central Kharkiv, 26 May"),
    ("z141", "UW8175", S, "civilian casualties after the Kharkiv bombing, 26 May"),
    ("z141", "UW8290", S, "civilian casualties in Kharkiv city, 26 May"),
    ("z141", "UW8178", U, "damage in Derhachi, another town of the oblast"),
    ("z141", "UW8255", U, "strike on a solar farm in Merefa two days later"),
    ("z141", "UW8182", U, "destroyed Russian vehicle in Pytomnyk"),
    # Zelenskyy, 7 May: missile strike at Odesa today
    ("z255", "UW7222", S, "smoke after a strike in Odesa, 7 May"),
    ("z255", "UW7223", S, "cruise missile filmed over Odesa before impact, 7 May"),
    ("z255", "UW7224", S, "missile strike in Odesa, 7 May"),
    ("z255", "UW7136", U, "drone strike on Snake Island the day before"),
    ("z255", "UW7343", U, "a later strike on an Odesa supermarket, 10 May"),
]


def read_cir(shared: Path) -> dict[str, dict]:
    """CIR events by entry id."""
    with (shared / CIR).open(encoding="utf-8", newline="") as fh:
        return {row["entry"]: row for row in csv.DictReader(fh)}


def read_releases(shared: Path, rel: str) -> list[dict]:
    """Press-release rows in file order."""
    csv.field_size_limit(sys.maxsize)  # some transcripts exceed the default 128 KiB field limit
    with (shared / rel).open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def event_text(event: dict) -> str:
    """The CIR title without its leading dd/mm/yyyy."""
    return re.sub(r"^\d\d/\d\d/\d{4}\s*-?\s*", "", event["title"]).strip()


def assign_splits(rows: list[dict]) -> None:
    """Mark about 40 % of rows held out, by claim, with a fixed seed, meeting the per-label minimums."""
    claims = sorted({r["claim"] for r in rows})
    rng = random.Random(SPLIT_SEED)
    for _ in range(1000):
        rng.shuffle(claims)
        held: set[str] = set()
        count = 0
        for claim in claims:
            if count >= HELDOUT_SHARE * len(rows):
                break
            held.add(claim)
            count += sum(r["claim"] == claim for r in rows)
        labels = [r["label"] for r in rows if r["claim"] in held]
        if (count >= MIN_HELDOUT_ROWS and labels.count(C) >= MIN_HELDOUT_PER_STANCE
                and labels.count(S) >= MIN_HELDOUT_PER_STANCE):
            for r in rows:
                r["split"] = "heldout" if r["claim"] in held else "train"
            return
    raise SystemExit("no split met the minimums")


def build_rows(shared: Path) -> list[dict]:
    """Resolve every pair to texts, sources and dates; fail on anything not verbatim."""
    cir = read_cir(shared)
    releases = {KREMLIN: read_releases(shared, KREMLIN), ZELENSKY: read_releases(shared, ZELENSKY)}
    seed_text = (shared / SEED).read_text(encoding="utf-8")
    rows = []
    for n, (claim_id, ev_ref, label, note) in enumerate(PAIRS + TRAIN_ONLY_PAIRS, start=1):
        rel, row_no, speaker, text, *seed_date = CLAIMS[claim_id]
        if rel == SEED:
            if text not in seed_text:
                raise SystemExit(f"{SEED}: claim not found: {text[:60]}")
            claim_source, claim_date = f"{SEED} ({SEED_NAME})", seed_date[0]
        else:
            item = releases[rel][row_no]
            if text not in item["body"]:
                raise SystemExit(f"{rel} row {row_no}: claim not found: {text[:60]}")
            claim_source, claim_date = f"{rel} row {row_no} ({item['link']})", item["date"][:10]
        if ev_ref.startswith("seed:"):
            who, evidence = SEED_EVIDENCE[ev_ref[5:]]
            if evidence not in seed_text:
                raise SystemExit(f"{SEED}: evidence not found: {evidence[:60]}")
            evidence_source, evidence_date = f"{SEED} ({SEED_NAME}); {who}", SEED_DATE
            evidence_place = ""
        else:
            event = cir[ev_ref]
            evidence = event_text(event)
            evidence_source = f"{CIR} entry {ev_ref} ({event['link']})"
            evidence_date = event["date"]
            # CIR titles often omit the town; the place columns carry it
            evidence_place = ", ".join(v for v in (event["town/city"], event["province"], event["country"]) if v)
        rows.append({"pair_id": f"rp{n:03d}", "claim": text, "claim_source": claim_source,
                     "claim_speaker": speaker, "claim_date": claim_date, "evidence": evidence,
                     "evidence_source": evidence_source, "evidence_date": evidence_date,
                     "evidence_place": evidence_place, "label": label,
                     "split": "", "note": note})
    assign_splits(rows[: len(PAIRS)])
    for r in rows[len(PAIRS):]:
        r["split"] = "train"
    return rows


def main(argv: list[str] | None = None) -> None:
    """Build and write real_pairs.csv; print counts per split and label."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=DEFAULT_SHARED)
    args = parser.parse_args(argv)
    if not args.shared.exists():
        sys.exit(f"{args.shared}: shared data folder not found")
    rows = build_rows(args.shared)
    dupes = {(r["claim"], r["evidence"]) for r in rows}
    if len(dupes) != len(rows):
        sys.exit("duplicate claim/evidence pairs")
    with OUT.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=FIELDS)
        writer.writeheader()
        writer.writerows(rows)
    for split in ("train", "heldout"):
        part = [r["label"] for r in rows if r["split"] == split]
        print(split, len(part), {lab: part.count(lab) for lab in (C, S, U)})


if __name__ == "__main__":
    main()
