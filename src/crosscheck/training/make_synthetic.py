"""Write data/eval/synthetic_pairs.csv: official claims against on-the-ground reports, written by us.

Templates with varied slots (places, units, equipment, dates, numbers) plus hand-written pairs.
Labels follow data/eval/GUIDELINE.md. Fixed seed: running it twice gives the same file.

    python -m crosscheck.training.make_synthetic
"""

from __future__ import annotations

import csv
import random
from datetime import date, timedelta

from crosscheck import config

SEED = 20220216
OUT = config.DATA_DIR / "eval" / "synthetic_pairs.csv"

BORDER_RU = ["Belgorod", "Kursk", "Voronezh", "Bryansk", "Yelnya", "Klintsy", "Valuyki", "Boguchar",
             "Pogonovo", "Soloti", "Novozybkov", "Pochep", "Shebekino", "Rostov-on-Don", "Persianovsky"]
BELARUS = ["Gomel", "Brest", "Mozyr", "Yelsk", "Rechytsa", "Luninets", "Baranovichi", "Osipovichi",
           "Pinsk", "Naroulia", "Khoiniki", "Obuz-Lesnovsky", "Zyabrovka", "Machulishchy"]
CRIMEA = ["Dzhankoi", "Armyansk", "Novoozernoye", "Slavne", "Perekop", "Sevastopol", "Feodosia",
          "Oktyabrskoye", "Opuk"]
UA_CITIES = ["Kharkiv", "Mariupol", "Kyiv", "Chernihiv", "Sumy", "Mykolaiv", "Kherson", "Irpin",
             "Bucha", "Kramatorsk", "Odesa", "Zaporizhzhia", "Dnipro", "Okhtyrka", "Izium",
             "Severodonetsk", "Lysychansk", "Vinnytsia", "Bakhmut", "Hostomel", "Borodianka"]
STAGING = BORDER_RU + BELARUS + CRIMEA
DISTRICTS = ["a northern district", "the city centre", "a residential quarter", "the eastern outskirts",
             "a suburb", "the old town"]
UNITS = ["the 41st Combined Arms Army", "the 1st Guards Tank Army", "the 20th Combined Arms Army",
         "the 6th Combined Arms Army", "the 76th Guards Air Assault Division",
         "the 4th Guards Tank Division", "the 150th Motor Rifle Division", "the 35th Combined Arms Army",
         "the 36th Combined Arms Army", "the 3rd Motor Rifle Division", "the 5th Separate Guards Tank Brigade",
         "the 98th Guards Airborne Division", "the 58th Combined Arms Army"]
EQUIPMENT = ["T-72B3 tanks", "Iskander launchers", "BMP-3 infantry fighting vehicles", "S-400 launchers",
             "pontoon bridge sections", "Msta-S self-propelled howitzers", "Tor air-defence vehicles",
             "BM-21 Grad rocket launchers", "Pantsir-S1 systems", "TOS-1A launchers", "Ka-52 helicopters",
             "T-80U tanks", "BTR-82A armoured personnel carriers", "fuel tankers", "Tigr armoured cars"]
LOGISTICS = ["a field hospital", "blood supplies", "a mobile field kitchen", "ammunition stockpiles",
             "a tent camp for several thousand soldiers", "fuel depots", "pontoon bridging equipment"]
# all plural, so "{watch} on {day} show ..." reads well
WATCHERS = ["Satellite images taken", "Commercial satellite photos", "Videos filmed by local residents",
            "Clips geolocated by open-source analysts", "Photos posted by drivers on the highway",
            "Videos shot by railway workers", "Drone images released by monitors"]
# staging area -> the Ukrainian city an advance from there would head for
TARGETS = {"Belgorod": "Kharkiv", "Shebekino": "Kharkiv", "Valuyki": "Kharkiv", "Kursk": "Sumy",
           "Bryansk": "Chernihiv", "Klintsy": "Chernihiv", "Novozybkov": "Chernihiv", "Pochep": "Chernihiv",
           "Yelnya": "Chernihiv", "Voronezh": "Izium", "Pogonovo": "Izium", "Boguchar": "Severodonetsk",
           "Soloti": "Severodonetsk", "Rostov-on-Don": "Mariupol", "Persianovsky": "Mariupol",
           "Gomel": "Chernihiv", "Mozyr": "Kyiv", "Yelsk": "Kyiv", "Naroulia": "Kyiv", "Khoiniki": "Hostomel",
           "Rechytsa": "Chernihiv", "Dzhankoi": "Kherson", "Armyansk": "Kherson", "Perekop": "Kherson",
           "Novoozernoye": "Mykolaiv", "Slavne": "Kherson"}
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December"]
FIELDS = ["claim", "evidence", "label", "claim_date", "evidence_date", "phenomenon"]

rng = random.Random(SEED)


def pick(seq: list[str]) -> str:
    """One random element."""
    return rng.choice(seq)


def pick_date(start: date, end: date) -> date:
    """A random day between start and end inclusive."""
    return start + timedelta(days=rng.randint(0, (end - start).days))


def say_date(day: date) -> str:
    """'17 February' style."""
    return f"{day.day} {MONTHS[day.month - 1]}"


def row(claim: str, evidence: str, label: str, claim_day: date, evidence_day: date, phenomenon: str) -> dict:
    """One output row."""
    return {"claim": claim, "evidence": evidence, "label": label, "claim_date": claim_day.isoformat(),
            "evidence_date": evidence_day.isoformat(), "phenomenon": phenomenon}


def make_withdrawal(n: int) -> list[dict]:
    """Claims of pull-back against arrivals (contradicts), departures (supports), elsewhere (unrelated)."""
    claims = [
        "Units of {unit} have completed their drills and are returning to their permanent bases from {place}.",
        "A decision has been taken to partially withdraw forces from the area around {place}.",
        "Troops near {place} are being pulled back to their garrisons now that the exercises are over.",
        "The Defence Ministry said the forces deployed to {place} are loading onto trains to go home.",
        "Our servicemen are leaving the {place} training grounds and heading back to their bases.",
        "The de-escalation has begun: combat units stationed near {place} are moving away from the border.",
    ]
    contra = [
        "{watch} on {day} show new {equip} arriving at the field camp near {place}.",
        "On {day}, a convoy of {equip} was filmed moving from {place} toward the Ukrainian border.",
        "A column of {equip} entered {place} on {day}, and the tent camp there has grown since last week.",
        "{watch} on {day} show {logistics} set up near {place}, a sign that troops are staying, not leaving.",
        "Rail cars carrying {equip} were unloaded at the station in {place} on {day}.",
        "On {day} more than a hundred vehicles were seen parked in a new staging area outside {place}.",
    ]
    support = [
        "{watch} on {day} show the camp near {place} almost empty, with only tyre tracks left behind.",
        "On {day}, trains loaded with {equip} left {place} heading east, away from the border.",
        "Residents of {place} filmed a long column of {equip} driving away from the border on {day}.",
        "By {day}, the vehicle park outside {place} had been cleared and the tents taken down.",
        "On {day}, echelons with {equip} were seen departing {place} for their home garrisons.",
    ]
    unrel = [
        "On {day}, a convoy of {equip} was filmed moving through {other}.",
        "{watch} on {day} show {logistics} being built near {other}.",
        "Officials in {place} said on {day} that the regional budget would fund new school buses.",
        "A freight train carrying grain derailed near {place} on {day}; nobody was hurt.",
        "On {day}, road works closed the main highway between {place} and the regional centre for repairs.",
        "Ukrainian border guards held a routine drill near {other} on {day}.",
    ]
    out = []
    for i in range(n):
        label = ("contradicts", "supports", "unrelated")[i % 3]
        place = pick(STAGING)
        other = pick([p for p in STAGING if p != place])
        claim_day = pick_date(date(2022, 1, 20), date(2022, 2, 22))
        ev_day = claim_day + timedelta(days=rng.randint(1, 6))
        tmpl = pick({"contradicts": contra, "supports": support, "unrelated": unrel}[label])
        claim = pick(claims).format(unit=pick(UNITS), place=place)
        ev = tmpl.format(watch=pick(WATCHERS), day=say_date(ev_day), equip=pick(EQUIPMENT), place=place,
                         other=other, logistics=pick(LOGISTICS))
        out.append(row(claim, ev, label, claim_day, ev_day, "withdrawal_vs_buildup"))
    return out


def make_civilian(n: int) -> list[dict]:
    """Denials of strikes on civilians against verified strikes; accusations against confirmations."""
    denials = [
        "Russian forces strike only military infrastructure; residential areas of {city} are not targeted.",
        "No strikes are being carried out on civilian objects in {city}.",
        "Our armed forces do not shell residential buildings in {city}; this is fake news.",
        "The strikes on {city} hit exclusively military targets, and civilians are not in danger.",
    ]
    accusations = [
        "Russian troops shelled residential areas of {city} again today.",
        "The occupiers fired missiles at apartment blocks in {city} overnight.",
        "Russian artillery hit a hospital in {city}.",
        "Civilians in {city} were killed when Russian rockets hit {district}.",
    ]
    strike = [
        "A missile hit a {floors}-storey residential building in {district} of {city} on {day}; {killed} residents were killed.",
        "Geolocated footage from {day} shows a strike on a block of flats in {district} of {city}, with rescuers pulling people from the rubble.",
        "On {day}, cluster munitions landed in a playground and a market in {district} of {city}, according to verified videos.",
        "Verified images from {day} show a maternity hospital in {city} damaged by an air strike.",
        "Shelling on {day} set fire to apartment buildings in {district} of {city}; {killed} civilians died.",
    ]
    military_only = [
        "Footage geolocated on {day} shows secondary explosions at an ammunition depot on a military base outside {city}; no homes nearby were damaged.",
        "On {day}, a strike destroyed radar installations at the military airfield near {city}; nearby residential streets were untouched.",
        "Satellite images from {day} show damage limited to hangars at the air base outside {city}.",
    ]
    no_strike = [
        "Residents of {city} reported a quiet night on {day}, with no shelling of the city recorded by monitors.",
        "Video filmed in {district} of {city} on {day} shows the hospital undamaged and operating normally.",
    ]
    unrel = [
        "A water main burst in {district} of {city} on {day}, leaving several apartment buildings without heating.",
        "On {day}, volunteers in {other} delivered food to residents sheltering in basements.",
        "A residential building in {other} was hit by shelling on {day}, according to local officials.",
        "The city council of {city} opened a new bomb shelter in a school basement on {day}.",
        "On {day}, a fire at a warehouse in {other} was put out by firefighters; the cause is unknown.",
    ]
    out = []
    for i in range(n):
        label = ("contradicts", "supports", "unrelated")[i % 3]
        city = pick(UA_CITIES)
        other = pick([c for c in UA_CITIES if c != city])
        claim_day = pick_date(date(2022, 2, 25), date(2022, 6, 20))
        ev_day = claim_day + timedelta(days=rng.randint(-1, 3))
        denial = rng.random() < 0.5
        claim = pick(denials if denial else accusations).format(city=city, district=pick(DISTRICTS))
        if label == "contradicts":
            pool = strike if denial else no_strike
        elif label == "supports":
            pool = military_only if denial else strike
        else:
            pool = unrel
        ev = pick(pool).format(city=city, other=other, district=pick(DISTRICTS), day=say_date(ev_day),
                               floors=pick(["five", "nine", "twelve", "sixteen"]),
                               killed=pick(["three", "seven", "at least 11", "two", "14"]))
        out.append(row(claim, ev, label, claim_day, ev_day, "civilian_strike"))
    return out


def make_counts(n: int) -> list[dict]:
    """Claimed numbers against observed numbers."""
    out = []
    for i in range(n):
        label = ("contradicts", "supports", "unrelated")[i % 3]
        place = pick(BELARUS + BORDER_RU + CRIMEA)
        claim_day = pick_date(date(2021, 11, 10), date(2022, 2, 20))
        ev_day = claim_day + timedelta(days=rng.randint(0, 7))
        kind = rng.randrange(3)
        if kind == 0:
            cap = rng.choice([5, 8, 10, 12, 15])
            claim = rng.choice([
                f"No more than {cap},000 troops take part in the exercises near {place}.",
                f"The number of servicemen involved near {place} does not exceed {cap},000.",
                f"Only about {cap},000 soldiers are deployed to the {place} area, well within treaty limits.",
            ])
            if label == "contradicts":
                ev = rng.choice([
                    f"Analysts counting units near {place} on {say_date(ev_day)} estimate about {cap * 3},000 troops.",
                    f"NATO said on {say_date(ev_day)} that roughly {cap * rng.choice([2, 3, 4])},000 Russian soldiers are now massed near {place}.",
                ])
            elif label == "supports":
                low = cap - rng.randint(1, 3)
                ev = rng.choice([
                    f"Independent monitors put the force near {place} at around {low},000 troops on {say_date(ev_day)}.",
                    f"Observers invited to the drills near {place} counted roughly {low},000 personnel on {say_date(ev_day)}.",
                ])
            else:
                ev = rng.choice([
                    f"About {cap * 3},000 people attended a concert in {pick(UA_CITIES)} on {say_date(ev_day)}.",
                    f"On {say_date(ev_day)}, {cap},000 tonnes of grain were shipped from the port of Odesa.",
                    f"Officials in {place} said {cap * 2},000 households were still waiting for gas connections on {say_date(ev_day)}.",
                ])
        elif kind == 1:
            n_btg = rng.choice([2, 3, 4, 5])
            claim = rng.choice([
                f"Only {n_btg} battalion tactical groups remain near {place}.",
                f"We have kept just {n_btg} battalion groups in the {place} area for the drills.",
            ])
            if label == "contradicts":
                ev = f"On {say_date(ev_day)}, Rochan Consulting counted at least {n_btg * 4} battalion tactical groups around {place}."
            elif label == "supports":
                ev = f"Open-source trackers identified {n_btg} battalion tactical groups near {place} as of {say_date(ev_day)}."
            else:
                ev = f"On {say_date(ev_day)}, {n_btg} battalions of Ukrainian volunteers finished training near {pick(UA_CITIES)}."
        else:
            n_launch = rng.choice([2, 4, 6])
            equip = rng.choice(["Iskander launchers", "S-400 launchers", "Tor air-defence vehicles"])
            claim = f"Just {n_launch} {equip} were moved to {place} for the joint exercise."
            if label == "contradicts":
                ev = f"Satellite imagery from {say_date(ev_day)} shows {n_launch * 4} {equip} parked at the base near {place}."
            elif label == "supports":
                ev = f"Imagery from {say_date(ev_day)} shows {n_launch} {equip} at the range near {place}, and no others."
            else:
                other = pick([p for p in STAGING if p != place])
                ev = f"On {say_date(ev_day)}, {n_launch * 4} {equip} were seen at a base near {other}, hundreds of kilometres away."
        out.append(row(claim, ev, label, claim_day, ev_day, "counts"))
    return out


def make_places(n: int) -> list[dict]:
    """Claims that no troops are in a place against sightings there or elsewhere."""
    claims = [
        "There are no Russian troops in {place}.",
        "Our forces are not present anywhere near {place}.",
        "No military units have been sent to {place}; these reports are provocations.",
        "The area around {place} is free of any troop concentrations.",
    ]
    out = []
    for i in range(n):
        label = ("contradicts", "supports", "unrelated")[i % 3]
        place = pick(STAGING)
        other = pick([p for p in STAGING if p != place])
        claim_day = pick_date(date(2021, 11, 1), date(2022, 2, 23))
        ev_day = claim_day + timedelta(days=rng.randint(0, 5))
        claim = pick(claims).format(place=place)
        if label == "contradicts":
            ev = pick([
                "On {day}, {equip} were filmed driving through the centre of {place}.",
                "{watch} on {day} show a new tent camp with {equip} just outside {place}.",
                "Soldiers with Russian unit markings were photographed at a petrol station in {place} on {day}.",
            ])
        elif label == "supports":
            ev = pick([
                "{watch} on {day} show the training ground outside {place} empty.",
                "Monitors who drove through {place} on {day} saw no military vehicles or camps.",
                "Local journalists in {place} reported on {day} that no troops had arrived in the district.",
            ])
        else:
            ev = pick([
                "On {day}, {equip} were filmed driving through the centre of {other}.",
                "{watch} on {day} show a new tent camp with {equip} outside {other}.",
                "A military parade rehearsal was held in {other} on {day}.",
            ])
        ev = ev.format(day=say_date(ev_day), equip=pick(EQUIPMENT), place=place, other=other, watch=pick(WATCHERS))
        out.append(row(claim, ev, label, claim_day, ev_day, "places"))
    return out


def make_timing(n: int) -> list[dict]:
    """Forward-looking promises: reports before the claim cannot refute it; reports after the date can."""
    claims = [
        "All Russian units will return to their bases after the drills end on {end}.",
        "The troops in {place} will leave as soon as the exercise finishes on {end}.",
        "Not a single Russian serviceman will remain in {place} after {end}.",
        "Equipment brought to {place} for the drills will be taken back by {end}.",
    ]
    out = []
    for i in range(n):
        label = ("contradicts", "supports", "unrelated")[i % 3]
        place = pick(BELARUS + BORDER_RU)
        claim_day = pick_date(date(2022, 1, 25), date(2022, 2, 15))
        end_day = claim_day + timedelta(days=rng.randint(4, 10))
        claim = pick(claims).format(place=place, end=say_date(end_day))
        equip = pick(EQUIPMENT)
        if label == "contradicts":
            ev_day = end_day + timedelta(days=rng.randint(2, 8))
            ev = pick([
                f"On {say_date(ev_day)}, days after the drills were due to end, {equip} were still parked at the camp near {place}.",
                f"{pick(WATCHERS)} on {say_date(ev_day)} show the units near {place} still in the field, now with {pick(LOGISTICS)}.",
                f"A week after the exercise ended, on {say_date(ev_day)}, new {equip} were unloaded in {place}.",
            ])
        elif label == "supports":
            ev_day = end_day + timedelta(days=rng.randint(1, 6))
            ev = pick([
                f"On {say_date(ev_day)}, the last trains carrying {equip} left {place} for Russia.",
                f"{pick(WATCHERS)} on {say_date(ev_day)} show the field camp near {place} dismantled and empty.",
                f"By {say_date(ev_day)}, residents of {place} said the troops who came for the drills had gone.",
            ])
        else:
            # a report dated before a forward-looking claim: the build-up it shows was expected then
            ev_day = claim_day - timedelta(days=rng.randint(2, 12))
            ev = pick([
                f"On {say_date(ev_day)}, {equip} were unloaded at the railway station in {place} ahead of the drills.",
                f"{pick(WATCHERS)} on {say_date(ev_day)} show a tent camp being set up near {place} before the exercise.",
                f"Troops were seen arriving in {place} on {say_date(ev_day)}, before the exercise began.",
            ])
        out.append(row(claim, ev, label, claim_day, ev_day, "dates_timing"))
    return out


def make_negation(n: int) -> list[dict]:
    """Negated claims and negated reports; the label depends on polarity, not shared words."""
    out = []
    for i in range(n):
        label = ("contradicts", "supports", "unrelated")[i % 3]
        city = pick(UA_CITIES)
        other = pick([c for c in UA_CITIES if c != city])
        claim_day = pick_date(date(2022, 2, 24), date(2022, 6, 15))
        ev_day = claim_day + timedelta(days=rng.randint(0, 3))
        d = say_date(ev_day)
        kind = rng.randrange(3)
        if kind == 0:
            claim = rng.choice([f"No Russian units have entered {city}.", f"Russian troops have not entered {city}."])
            ev = {"contradicts": f"Russian armoured vehicles were filmed driving through the centre of {city} on {d}.",
                  "supports": f"Residents of {city} said on {d} that no Russian soldiers had come into the town.",
                  "unrelated": f"Russian armoured vehicles were filmed driving through {other} on {d}."}[label]
        elif kind == 1:
            claim = rng.choice([f"{city} is not encircled, and the road out of the city remains open.",
                                f"The city of {city} has not been surrounded."])
            ev = {"contradicts": f"By {d}, the last road out of {city} had been cut and the city was fully encircled.",
                  "supports": f"Convoys of civilians were still leaving {city} by the main road on {d}.",
                  "unrelated": f"The road between {other} and the coast was closed on {d} after a bridge was blown up."}[label]
        else:
            claim = rng.choice([f"The bridge at {city} has not been destroyed.",
                                f"Reports that the bridge in {city} was blown up are false."])
            ev = {"contradicts": f"Footage from {d} shows the bridge in {city} collapsed into the river.",
                  "supports": f"Video filmed on {d} shows traffic still crossing the bridge in {city}.",
                  "unrelated": f"Footage from {d} shows a bridge in {other} collapsed into the river."}[label]
        out.append(row(claim, ev, label, claim_day, ev_day, "negation"))
    return out


def make_hedging(n: int) -> list[dict]:
    """Attributed reports ('reportedly') count as if true; speculation ('could', 'may') does not refute."""
    out = []
    for i in range(n):
        label = ("contradicts", "supports", "unrelated")[i % 3]
        place = pick(STAGING)
        claim_day = pick_date(date(2022, 1, 10), date(2022, 2, 22))
        ev_day = claim_day + timedelta(days=rng.randint(1, 5))
        d = say_date(ev_day)
        equip = pick(EQUIPMENT)
        claim = pick([
            f"Forces near {place} are being withdrawn after the exercises.",
            f"There is no military build-up near {place}.",
            f"The troops near {place} are heading back to their barracks.",
        ])
        if label == "contradicts":
            ev = pick([
                f"A column of {equip} was reportedly seen moving toward the border from {place} on {d}.",
                f"According to residents, more {equip} arrived in {place} on {d}.",
                f"Local Telegram channels reported on {d} that a new field hospital had opened near {place}.",
            ])
        elif label == "supports":
            ev = pick([
                f"Trains loaded with {equip} were reportedly leaving {place} for the interior of Russia on {d}.",
                f"According to locals, the camp near {place} was being dismantled on {d}.",
                f"Residents reportedly watched a column of {equip} drive away from {place} on {d}.",
            ])
        else:
            ev = pick([
                f"Analysts said on {d} that troops near {place} could be reinforced in the coming weeks.",
                f"It is unclear whether any units will move to {place}, an analyst said on {d}.",
                f"Western officials warned on {d} that Russia may send more forces to the region at some point.",
                f"Some observers speculated on {d} that the drills near {place} might be extended.",
            ])
        out.append(row(claim, ev, label, claim_day, ev_day, "hedging"))
    return out


def make_denial(n: int) -> list[dict]:
    """'No plans to invade' style denials against actions that happened, or evidence of restraint."""
    claims_ru = [
        "Russia has no plans to invade Ukraine.",
        "Russia is not going to attack anyone.",
        "We do not intend to attack Ukraine; these are Western fantasies.",
        "Russian troops will not cross the border from {place}.",
        "Talk of an offensive from {place} is hysteria; nobody plans to attack.",
    ]
    out = []
    for i in range(n):
        label = ("contradicts", "supports", "unrelated")[i % 3]
        place = pick(sorted(TARGETS))
        city = TARGETS[place]
        claim_day = pick_date(date(2021, 11, 20), date(2022, 2, 21))
        claim = pick(claims_ru).format(place=place)
        if label == "contradicts":
            ev_day = pick_date(date(2022, 2, 24), date(2022, 3, 5))
            ev = pick([
                f"At dawn on {say_date(ev_day)}, Russian columns crossed the border from {place} and moved toward {city}.",
                f"On {say_date(ev_day)}, {pick(EQUIPMENT)} that had been parked near {place} were filmed inside Ukraine on the road to {city}.",
                f"Missiles launched from {place} hit targets in {city} on {say_date(ev_day)}.",
            ])
        elif label == "supports":
            ev_day = claim_day + timedelta(days=rng.randint(1, 3))
            ev = pick([
                f"Border monitors recorded no movement of Russian units across the border near {place} on {say_date(ev_day)}.",
                f"On {say_date(ev_day)}, the border crossing near {place} was operating normally and no military traffic was seen.",
            ])
        else:
            ev_day = claim_day + timedelta(days=rng.randint(-5, 5))
            ev = pick([
                f"Ukraine's parliament debated a new budget on {say_date(ev_day)}.",
                f"On {say_date(ev_day)}, diplomats met in Geneva to discuss security guarantees.",
                f"Russian and Belarusian officials signed a gas agreement on {say_date(ev_day)}.",
                f"The price of wheat rose on {say_date(ev_day)} amid worries about Black Sea shipping.",
            ])
        out.append(row(claim, ev, label, claim_day, ev_day, "denial"))
    return out


def make_drills(n: int) -> list[dict]:
    """'No serviceman will stay after the drills' against troops staying, leaving, or other drills."""
    out = []
    for i in range(n):
        label = ("contradicts", "supports", "unrelated")[i % 3]
        place = pick(BELARUS)
        claim_day = pick_date(date(2022, 2, 5), date(2022, 2, 18))
        end_day = date(2022, 2, 20)
        claim = pick([
            "Not a single Russian serviceman or piece of equipment will remain in Belarus after the drills.",
            f"After Allied Resolve ends on {say_date(end_day)}, the Russian units at {place} will go home.",
            f"The Russian contingent will leave {place} once the joint exercise is over.",
        ])
        ev_day = end_day + timedelta(days=rng.randint(1, 10))
        equip = pick(EQUIPMENT)
        if label == "contradicts":
            ev = pick([
                f"Belarus's defence ministry said on 20 February that the joint checks would continue, and Russian troops stayed at {place}.",
                f"On {say_date(ev_day)}, Russian {equip} were still deployed at {place}, after the drills had officially ended.",
                f"{pick(WATCHERS)} on {say_date(ev_day)} show the Russian camp at {place} still occupied.",
            ])
        elif label == "supports":
            ev = pick([
                f"On {say_date(ev_day)}, a train carrying Russian {equip} left {place} for Russia.",
                f"The Russian camp at {place} was empty on {say_date(ev_day)}, according to satellite imagery.",
            ])
        else:
            ev = pick([
                f"Polish and American troops began a joint exercise near Orzysz on {say_date(ev_day)}.",
                f"Belarusian conscripts from {place} took part in a sports competition on {say_date(ev_day)}.",
                f"Russian naval drills in the Sea of Okhotsk ended on {say_date(ev_day)}.",
            ])
        out.append(row(claim, ev, label, claim_day, ev_day, "drills_end"))
    return out


def make_hard_negative(n: int) -> list[dict]:
    """Same words, different event or place: always unrelated."""
    out = []
    for _ in range(n):
        place = pick(STAGING)
        city = pick(UA_CITIES)
        claim_day = pick_date(date(2022, 1, 10), date(2022, 5, 30))
        ev_day = claim_day + timedelta(days=rng.randint(-3, 5))
        d = say_date(ev_day)
        claim, ev = pick([
            (f"Troops are returning to their bases from {place} after the exercises.",
             f"Students are returning to their dormitories in {place} after the holidays, the university said on {d}."),
            (f"Residential areas of {city} are not being shelled.",
             f"A residential building in {city} was evacuated on {d} after a gas leak."),
            (f"Humanitarian corridors from {city} are open.",
             f"On {d}, a humanitarian aid warehouse opened in {pick([c for c in UA_CITIES if c != city])}."),
            (f"The convoy of {pick(EQUIPMENT)} near {place} is heading back to base.",
             f"A convoy of lorries carrying fruit was stuck at the customs post near {place} on {d}."),
            (f"Our forces are being withdrawn from {place}.",
             f"The bank withdrew its branch from {place} on {d}, citing falling customer numbers."),
            (f"The military hospital in {place} is not being expanded.",
             f"On {d}, the city hospital in {place} opened a new children's ward."),
            (f"There is no build-up of armour near {city}.",
             f"On {d}, a museum in {city} put a Second World War tank on display."),
            (f"Strikes on {city} target only military infrastructure.",
             f"Workers went on strike at a factory in {city} on {d} over unpaid wages."),
            (f"The bridge near {city} remains intact.",
             f"On {d}, engineers inspected an old railway bridge near {pick([c for c in UA_CITIES if c != city])}."),
        ])
        out.append(row(claim, ev, "unrelated", claim_day, ev_day, "hard_negative"))
    return out


def make_paraphrase(n: int) -> list[dict]:
    """Reports that confirm a claim in other words: always supports."""
    out = []
    for _ in range(n):
        city = pick(UA_CITIES)
        place = pick(STAGING)
        claim_day = pick_date(date(2022, 2, 24), date(2022, 6, 20))
        ev_day = claim_day + timedelta(days=rng.randint(0, 3))
        d = say_date(ev_day)
        equip = pick(EQUIPMENT)
        claim, ev = pick([
            (f"Russian forces have shelled {city} throughout the night.",
             f"Artillery fire hit several districts of {city} overnight into {d}, according to geolocated videos."),
            (f"The occupiers destroyed the television tower in {city}.",
             f"Footage from {d} shows the TV mast in {city} toppled after a strike."),
            (f"Our defenders destroyed a column of enemy tanks near {city}.",
             f"Drone video from {d} shows burned-out Russian {pick(['T-72B3 tanks', 'T-80U tanks', 'BMP-2 vehicles'])} on a road outside {city}."),
            (f"The enemy has been pushed back from the outskirts of {city}.",
             f"Ukrainian troops were filmed on {d} in villages near {city} that Russian forces had held a week earlier."),
            (f"Russian forces have left the area around {city}.",
             f"Residents of villages near {city} said on {d} that the Russian soldiers had gone."),
            (f"A humanitarian convoy has reached {city}.",
             f"Buses and aid lorries arrived in {city} on {d}, local officials confirmed."),
            (f"The Russian military is moving {equip} to {place}.",
             f"Trains carrying {equip} were seen arriving in {place} on {d}."),
            (f"Russian forces struck the fuel depot in {city}.",
             f"A large fire broke out at the oil depot in {city} after a missile strike on {d}."),
        ])
        out.append(row(claim, ev, "supports", claim_day, ev_day, "paraphrase_support"))
    return out


# Short monitor-style event titles, the way OSINT trackers log what a video or photo shows.
FIELD_CLAIMS = {
    "pullback": [
        "Part of the troops near {place} are being pulled back now that the exercises are over.",
        "A decision has been made to withdraw some of the units from {place}.",
        "The units near {place} are already returning to their garrisons.",
        "Forces in the {place} area are being drawn down, as we promised.",
    ],
    "civilians": [
        "Our armed forces do not strike civilian targets in {city}.",
        "Russian troops are taking every measure to keep the civilians of {city} safe.",
        "Only military infrastructure in {city} is being hit, with high-precision weapons.",
        "Our soldiers never fire on civilians; residents of {city} have nothing to fear.",
    ],
    "occupation": [
        "We are not going to occupy {city}; there are no such plans.",
        "Our units have no intention of holding {city} or governing it.",
    ],
    "staged": [
        "What happened in {city} is a staged provocation; the Russian army had no part in it.",
        "The pictures from {city} are fake, put together after our units had left.",
    ],
    "accusation": [
        "This morning Russian missiles struck {city} again.",
        "The occupiers are bombing residential districts of {city}.",
        "Russian artillery shelled {city} overnight, and there are dead and wounded.",
        "Russian aircraft dropped bombs on the centre of {city} today.",
    ],
    "liberation": [
        "Ukrainian forces have pushed the occupiers out of the {city} area.",
        "The north of the {city} region has been cleared of Russian troops.",
    ],
}
FIELD_EVIDENCE = {
    "pullback": {
        "contradicts": ["Tanks moving towards the border near {place}", "{equip} unloaded at {place} railway station",
                        "New field camp set up outside {place}", "Convoy of {equip} heading for the border from {place}",
                        "More vehicles at the staging area near {place}", "Field hospital erected near {place}"],
        "supports": ["Equipment leaving the training ground near {place}", "Train with {equip} heading away from {place}",
                     "Vehicle park near {place} emptied", "Column of {equip} driving away from the border at {place}"],
        "unrelated": ["Military movement near {other}", "Helicopters parked at an airfield in {other}",
                      "Train with {equip} near {other}", "Vehicles seen on a road in {other}"],
    },
    "civilians": {
        "contradicts": ["Residential building in {city} hit by a Russian missile", "Cluster munitions strike on a market in {city}",
                        "Civilian car shot at by a Russian armoured vehicle in {city}, driver killed",
                        "Russian shelling hits a children's hospital in {city}", "Bodies of civilians after a strike on a bread queue in {city}",
                        "Apartment block in {city} destroyed by an air strike"],
        "supports": ["Russian strike hits an army barracks outside {city}", "Ammunition depot near {city} destroyed by a missile",
                     "Humanitarian corridor from {city} opened, buses leave with civilians"],
        "unrelated": ["Destroyed Russian tank on the outskirts of {city}", "Residents of {city} queue for water",
                      "Residential building in {city} hit, likely by falling air-defence debris",
                      "Civilians protest in the centre of {other_city}", "Ukrainian troops dig trenches near {city}"],
    },
    "occupation": {
        "contradicts": ["Russian soldiers detain a protest organiser in {city}", "Russian flag raised over the city council in {city}",
                        "Russian forces patrolling the centre of {city}", "Russian-appointed administration takes office in {city}"],
        "supports": ["Russian troops leave {city}, heading back north", "Last Russian column seen leaving {city}"],
        "unrelated": ["Abandoned Russian trucks in a field near {other_city}", "Ukrainian volunteers hand out food in {city}",
                      "Burnt-out Russian convoy near {other_city}"],
    },
    "staged": {
        "contradicts": ["Satellite images show bodies in a street of {city} while Russian troops held it",
                        "Drone video shows Russian soldiers shooting a man on a bicycle in {city}",
                        "Resident of {city} describes her neighbour being shot by Russian soldiers",
                        "Russian armoured vehicles filmed next to the bodies in {city}"],
        "supports": ["Satellite images of {city} show the street empty while Russian troops were there"],
        "unrelated": ["Destroyed cars at the entrance to {city}", "Russian convoy destroyed near {other_city}",
                      "Ukrainian police enter {other_city}"],
    },
    "accusation": {
        "supports": ["Aftermath of a missile strike in {city}", "Residential area in {city} after Russian shelling",
                     "Air strike destroys an apartment block in {city}", "Shelling damage at the central market of {city}",
                     "Rescue workers pull bodies from the rubble in {city}"],
        "contradicts": ["Centre of {city} quiet and undamaged, residents walk in the square",
                        "Footage from {city} the same morning shows no damage to the districts named"],
        "unrelated": ["Destroyed Ukrainian tank in {city}", "Military base near {city} hit by a strike",
                      "Strike on a fuel depot in {other_city}", "Evacuation train leaves {city}"],
    },
    "liberation": {
        "supports": ["Russian column moving north away from {city}", "Abandoned Russian positions near {city}",
                     "Ukrainian flag raised again over the council in {city}"],
        "contradicts": ["Russian tanks still in the centre of {city}", "Russian artillery firing from positions inside {city}"],
        "unrelated": ["Damaged bridge in {other_city}", "Russian troops in {other_city}", "Destroyed shops in {other_city}"],
    },
}
FIELD_SIDE = {"pullback": "staging", "civilians": "city", "occupation": "city", "staged": "city", "accusation": "city",
              "liberation": "city"}


def make_field_titles(n: int) -> list[dict]:
    """Claims against short event titles of the kind open-source trackers log (one line per video)."""
    topics = list(FIELD_CLAIMS)
    out = []
    for i in range(n):
        topic = topics[i % len(topics)]
        label = ("contradicts", "supports", "unrelated")[(i // len(topics)) % 3]
        place = pick(STAGING)
        other = pick([p for p in STAGING if p != place])
        city = pick(UA_CITIES)
        other_city = pick([c for c in UA_CITIES if c != city])
        claim_day = pick_date(date(2022, 2, 10), date(2022, 5, 20))
        ev_day = claim_day + timedelta(days=rng.randint(0, 6))
        slots = {"place": place, "other": other, "city": city, "other_city": other_city, "equip": pick(EQUIPMENT)}
        claim = pick(FIELD_CLAIMS[topic]).format(**slots)
        evidence = pick(FIELD_EVIDENCE[topic][label]).format(**slots)
        evidence = evidence[0].upper() + evidence[1:]
        out.append(row(claim, evidence, label, claim_day, ev_day, "field_report"))
    return out


# One report, two claims of opposite direction: the label follows the claim, not the report alone.
# (event titles, claim that the report refutes, claim that it confirms)
POLARITY = [
    (["Apartment block hit by a missile", "Residential street shelled, two civilians killed",
      "Strike on a queue for bread, several civilians dead", "School building destroyed by shelling",
      "Shelling damage at a city market", "Maternity ward damaged by an air strike"],
     ["Russian forces do not strike residential areas of {city}.",
      "Our army takes every care to keep the civilians of {city} out of harm's way.",
      "Only military facilities in {city} are targeted, never homes."],
     ["The occupiers shelled residential areas of {city} again.",
      "Russian strikes on {city} are killing civilians.",
      "Russian artillery keeps hitting homes, schools and markets in {city}."]),
    (["Tanks moving towards the border", "Convoy of trucks heading to the border",
      "Armour unloaded from a train near the border", "New field camp set up close to the border",
      "Field hospital erected near the border"],
     ["Units near {place} are pulling back to their home bases.",
      "The troops around {place} are being withdrawn now that the drills are over."],
     ["Russia keeps massing troops near {place}.",
      "The build-up of Russian forces around {place} continues."]),
    (["Column of armour driving away from the border", "Train with tanks leaving for the home garrison",
      "Training ground emptied, tents taken down"],
     ["Russia keeps massing troops near {place}.",
      "The build-up of Russian forces around {place} continues."],
     ["Units near {place} are pulling back to their home bases.",
      "The troops around {place} are being withdrawn now that the drills are over."]),
    (["Russian soldiers patrol the central square", "Russian flag raised over the town hall",
      "Russian troops detain local officials"],
     ["Russia has no intention of occupying {city}.",
      "Our troops are not staying in {city}; there is no occupation."],
     ["{city} remains under Russian occupation.",
      "Russian troops still control {city}."]),
    (["Russian troops leave the town, heading north", "Last Russian vehicles drive out of the town",
      "Ukrainian flag raised again over the town hall"],
     ["{city} remains under Russian occupation.",
      "Russian troops still control {city}."],
     ["The occupiers have left {city}.",
      "Russian forces have withdrawn from {city}."]),
]
# Groups about troop movements and occupation never serve as each other's unrelated reports.
POLARITY_TOPIC = ["civilians", "troops", "troops", "troops", "troops"]
NEUTRAL_TITLES = ["Wedding party filmed in the town park", "Harvest under way in the fields outside town",
                  "Road repairs on the ring road", "Queue at a petrol station", "Street market reopens after the holidays",
                  "Snow clearing in the centre", "Football match in the local stadium"]


def make_polarity(n: int) -> list[dict]:
    """The same report with a claim it refutes, a claim it confirms, and a report about something else."""
    out = []
    for i in range(n):
        titles, refuted, confirmed = POLARITY[(i // 3) % len(POLARITY)]
        city, place = pick(UA_CITIES), pick(STAGING)
        claim_day = pick_date(date(2022, 2, 10), date(2022, 5, 20))
        ev_day = claim_day + timedelta(days=rng.randint(0, 5))
        title = pick(titles)
        # Monitor titles often leave the place to a separate column; half of them name it here.
        if rng.random() < 0.5:
            title = f"{title} in {city}" if "{city}" in "".join(refuted + confirmed) else f"{title} near {place}"
        kind = i % 3
        if kind == 0:
            claim, label = pick(refuted), "contradicts"
        elif kind == 1:
            claim, label = pick(confirmed), "supports"
        else:
            # Another kind of event (a military one half of the time, so it is not just the topic) or daily life.
            topic = POLARITY_TOPIC[(i // 3) % len(POLARITY)]
            group = rng.choice([g for g, t in enumerate(POLARITY_TOPIC) if t != topic])
            other = pick(POLARITY[group][0]) if rng.random() < 0.5 else pick(NEUTRAL_TITLES)
            claim, label, title = pick(refuted + confirmed), "unrelated", other
        out.append(row(claim.format(city=city, place=place), title, label, claim_day, ev_day, "polarity"))
    return out


# Hand-written pairs: (claim, evidence, label, claim_date, evidence_date, phenomenon)
HANDWRITTEN = [
    ("Some units of the Southern and Western military districts have completed their tasks and are loading onto trains.",
     "A CIT analyst said the trains filmed near Belgorod were carrying equipment toward the border, not away from it.",
     "contradicts", "2022-02-15", "2022-02-16", "withdrawal_vs_buildup"),
    ("The tanks shown leaving Crimea on state television are going back to their home bases.",
     "The same day, satellite photos showed a new pontoon bridge being laid across the Pripyat river in Belarus, close to Ukraine.",
     "contradicts", "2022-02-15", "2022-02-16", "withdrawal_vs_buildup"),
    ("Russian units are pulling back from the Ukrainian border.",
     "Rochan Consulting said it had seen no sign of a pullback and that more units kept arriving in Kursk and Voronezh.",
     "contradicts", "2022-02-15", "2022-02-16", "withdrawal_vs_buildup"),
    ("Russia is pulling its forces back from Ukraine's border.",
     "NATO's secretary general said the alliance had seen no de-escalation on the ground, only continued build-up.",
     "contradicts", "2022-02-15", "2022-02-16", "withdrawal_vs_buildup"),
    ("We are returning our troops after the drills, as we always said we would.",
     "Blood supplies and a field hospital were moved to within 30 kilometres of the border near Belgorod.",
     "contradicts", "2022-02-15", "2022-02-18", "withdrawal_vs_buildup"),
    ("The exercises are over and the troops are going back to barracks.",
     "A long train of T-72B3 tanks heading east was filmed leaving Dzhankoi station.",
     "supports", "2022-02-15", "2022-02-16", "withdrawal_vs_buildup"),
    ("Russian forces near Kyiv are being reduced to build trust in the negotiations.",
     "By early April, Russian troops had left Hostomel, Bucha and Irpin, and Ukrainian forces moved back in.",
     "supports", "2022-03-29", "2022-04-02", "withdrawal_vs_buildup"),
    ("Moscow has decided to drastically scale down military activity around Kyiv and Chernihiv.",
     "Shelling of Chernihiv continued through the night after the announcement, the city's mayor said.",
     "contradicts", "2022-03-29", "2022-03-30", "withdrawal_vs_buildup"),
    ("Russia only conducts high-precision strikes on military facilities.",
     "A Tochka-U missile with cluster munitions struck the railway station in Kramatorsk while civilians waited for evacuation trains.",
     "contradicts", "2022-03-01", "2022-04-08", "civilian_strike"),
    ("The Russian army does not strike civilian infrastructure.",
     "The drama theatre in Mariupol, where hundreds of civilians sheltered, was destroyed by an air strike; 'children' was written on the ground outside.",
     "contradicts", "2022-03-05", "2022-03-16", "civilian_strike"),
    ("Our forces do not target residential districts of Kharkiv.",
     "Geolocated videos show rockets exploding between apartment blocks in Kharkiv's Saltivka district.",
     "contradicts", "2022-02-28", "2022-03-01", "civilian_strike"),
    ("The strike in Vinnytsia hit a meeting of Ukrainian commanders at the officers' house.",
     "The missile strike in Vinnytsia hit the city centre next to a medical clinic, and among the dead was a four-year-old girl.",
     "contradicts", "2022-07-14", "2022-07-14", "civilian_strike"),
    ("Russian missiles hit the TV tower in Kyiv, and people near it were killed.",
     "Video from Kyiv shows smoke rising from the base of the television tower next to the Babyn Yar memorial.",
     "supports", "2022-03-01", "2022-03-01", "civilian_strike"),
    ("Russian troops bombed the maternity hospital in Mariupol.",
     "Associated Press journalists filmed the wrecked maternity ward in Mariupol and wounded pregnant women being carried out.",
     "supports", "2022-03-09", "2022-03-09", "civilian_strike"),
    ("The occupiers fired at a shopping centre in Kremenchuk full of people.",
     "Verified footage shows the Amstor shopping mall in Kremenchuk burning after a missile strike in the afternoon.",
     "supports", "2022-06-27", "2022-06-27", "civilian_strike"),
    ("The Russian military only hit an arms depot near Kremenchuk.",
     "Verified footage shows the Amstor shopping mall in Kremenchuk burning after a missile strike in the afternoon.",
     "contradicts", "2022-06-28", "2022-06-27", "civilian_strike"),
    ("The Belarusian side has about 30,000 troops in the Union Resolve exercise, not more.",
     "Western officials estimated that Russia had moved around 30,000 troops into Belarus for the exercise.",
     "supports", "2022-02-10", "2022-02-10", "counts"),
    ("Russia has deployed no more than a hundred thousand troops near Ukraine, which is normal on our own territory.",
     "US officials said Russia had massed between 169,000 and 190,000 personnel in and near Ukraine.",
     "contradicts", "2022-02-01", "2022-02-18", "counts"),
    ("Our losses in the special operation amount to 498 servicemen.",
     "Independent journalists identified by name more than 1,000 Russian soldiers killed in the first weeks of the war.",
     "contradicts", "2022-03-02", "2022-04-01", "counts"),
    ("We have lost only a handful of tanks near Chernihiv.",
     "Oryx documented dozens of destroyed and abandoned Russian tanks around Chernihiv with photographs.",
     "contradicts", "2022-03-20", "2022-04-05", "counts"),
    ("Two Russian brigades remain near Yelnya after the autumn exercises.",
     "Satellite photos from November show the large vehicle park near Yelnya still filled with armour, roughly consistent with two brigades.",
     "supports", "2021-11-10", "2021-11-14", "counts"),
    ("Russian units do not operate in the Zhytomyr region.",
     "Locals in the north of the Zhytomyr region filmed Russian BMDs crossing a field near Ovruch.",
     "contradicts", "2022-02-26", "2022-02-27", "places"),
    ("The city of Kherson remains under Ukrainian control.",
     "Russian military vehicles were filmed parked in front of Kherson's regional administration building.",
     "contradicts", "2022-03-01", "2022-03-02", "places"),
    ("Snake Island has been retaken by Ukraine.",
     "Drone footage shows a Ukrainian flag raised on Snake Island after the Russian garrison left.",
     "supports", "2022-06-30", "2022-07-07", "places"),
    ("There is no fighting in Odesa.",
     "Shelling was heard in Mariupol overnight, according to residents.",
     "unrelated", "2022-03-04", "2022-03-04", "places"),
    ("Troops stationed near Voronezh are far from the Ukrainian border.",
     "A field camp with T-80U tanks was photographed near Valuyki, about 15 km from the Ukrainian border.",
     "unrelated", "2022-02-10", "2022-02-12", "places"),
    ("Russia's forces in Transnistria are not preparing any operations.",
     "Armoured vehicles were filmed moving through the streets of Mozyr in Belarus.",
     "unrelated", "2022-04-25", "2022-04-26", "places"),
    ("Troops will return to their permanent bases once the exercises end on 20 February.",
     "On 10 February, columns of Russian armour were filmed arriving at the Obuz-Lesnovsky training ground.",
     "unrelated", "2022-02-14", "2022-02-10", "dates_timing"),
    ("Troops will return to their permanent bases once the exercises end on 20 February.",
     "On 23 February, the Russian units at Obuz-Lesnovsky were still in the field and had moved closer to the border.",
     "contradicts", "2022-02-14", "2022-02-23", "dates_timing"),
    ("Russian forces will be out of Belarus by the end of February.",
     "In mid-March, Russian helicopters were still flying from the Mozyr airfield toward Ukraine.",
     "contradicts", "2022-02-17", "2022-03-15", "dates_timing"),
    ("The drills in Crimea will finish this week and troops will go back to their districts.",
     "In January, satellite images showed the camp at Novoozernoye growing as new units arrived.",
     "unrelated", "2022-02-14", "2022-01-18", "dates_timing"),
    ("The withdrawal from Kyiv region will be completed by the end of March.",
     "On 2 April, Ukrainian officials said the whole of Kyiv region had been freed of Russian troops.",
     "supports", "2022-03-29", "2022-04-02", "dates_timing"),
    ("The Mariupol humanitarian corridor will open at 10 am on Saturday.",
     "The evacuation from Mariupol was halted on Saturday afternoon because shelling continued along the route.",
     "contradicts", "2022-03-05", "2022-03-05", "dates_timing"),
    ("A ceasefire will hold along the evacuation route from Mariupol to Zaporizhzhia.",
     "Buses leaving Mariupol came under fire near Vasylivka, the Red Cross said.",
     "contradicts", "2022-03-08", "2022-03-09", "dates_timing"),
    ("Humanitarian corridors from Sumy are open today.",
     "On the morning of 8 March, the first convoy of buses with civilians left Sumy toward Poltava.",
     "supports", "2022-03-08", "2022-03-08", "dates_timing"),
    ("Humanitarian corridors from Sumy are open today.",
     "Three weeks earlier, the Sumy city council had asked residents to stock up on water.",
     "unrelated", "2022-03-08", "2022-02-15", "dates_timing"),
    ("Russian troops did not leave Belarus.",
     "Russian equipment was still seen near Gomel in March.",
     "supports", "2022-03-01", "2022-03-05", "negation"),
    ("Nobody is preparing to attack Kyiv from the north.",
     "Belarusian railway footage shows flatcars of Russian tanks unloading near the Ukrainian border north of Kyiv.",
     "contradicts", "2022-02-18", "2022-02-20", "negation"),
    ("It is not true that Russian troops are in Kharkiv.",
     "Russian light infantry vehicles were filmed burning in a Kharkiv street after a firefight.",
     "contradicts", "2022-02-27", "2022-02-27", "negation"),
    ("The Zaporizhzhia nuclear plant was not shelled.",
     "Security camera video shows projectiles hitting a training building at the Zaporizhzhia nuclear plant overnight.",
     "contradicts", "2022-03-04", "2022-03-04", "negation"),
    ("The Zaporizhzhia nuclear plant was shelled overnight.",
     "Security camera video shows projectiles hitting a training building at the Zaporizhzhia nuclear plant overnight.",
     "supports", "2022-03-04", "2022-03-04", "negation"),
    ("There was no chemical leak in Sumy.",
     "The chemical plant in Sumy was hit by shelling and ammonia leaked, local authorities said.",
     "contradicts", "2022-03-21", "2022-03-21", "negation"),
    ("The Russian army has not used cluster munitions.",
     "Human Rights Watch documented cluster munition remnants in residential areas of Mykolaiv.",
     "contradicts", "2022-03-10", "2022-03-14", "negation"),
    ("Russian forces are not shelling Mykolaiv today.",
     "The port city of Odesa was quiet on Sunday, residents said.",
     "unrelated", "2022-03-13", "2022-03-13", "negation"),
    ("The troops near Belgorod are returning home.",
     "Russian armour may be preparing to move toward Kharkiv, some analysts believe.",
     "unrelated", "2022-02-16", "2022-02-17", "hedging"),
    ("Units near Belgorod are going back to their garrisons.",
     "Witnesses reportedly saw a column with Z-marked tanks heading toward the Ukrainian border from Belgorod.",
     "contradicts", "2022-02-16", "2022-02-22", "hedging"),
    ("Russia may withdraw some troops if diplomacy succeeds.",
     "On 19 February, CIT said Russian units were moving from their camps to forward positions near the border.",
     "unrelated", "2022-02-10", "2022-02-19", "hedging"),
    ("The strike hit only a military fuel depot outside Kalynivka.",
     "A residential street in Kalynivka was reportedly damaged by the strike, according to local officials.",
     "contradicts", "2022-03-27", "2022-03-27", "hedging"),
    ("Russian forces reportedly left Bucha at the end of March.",
     "Ukrainian soldiers entered Bucha on 1 April and found it free of Russian troops.",
     "supports", "2022-04-01", "2022-04-02", "hedging"),
    ("Russian troops could soon enter Kyiv, officials warn.",
     "On 1 March, a 60-kilometre column of Russian vehicles was seen north of Kyiv.",
     "unrelated", "2022-02-25", "2022-03-01", "hedging"),
    ("The so-called concentration of forces near Yelnya is a routine measure; we have no plans for aggression.",
     "On 24 February, units that had been based near Yelnya were seen advancing into the Chernihiv region.",
     "contradicts", "2021-11-12", "2022-02-24", "denial"),
    ("Russia is not going to attack Ukraine; that is a statement of principle.",
     "Russian missiles struck airfields and air-defence sites across Ukraine in the early hours of 24 February.",
     "contradicts", "2022-01-19", "2022-02-24", "denial"),
    ("Belarusian troops are not taking part in the operation in Ukraine.",
     "Monitors have found no Belarusian units inside Ukraine; the Belarusian army stayed on its side of the border.",
     "supports", "2022-03-01", "2022-03-10", "denial"),
    ("Russia will not use Belarusian territory to attack Ukraine.",
     "Iskander missiles were launched from the Gomel region of Belarus toward targets in Ukraine, according to geolocated videos.",
     "contradicts", "2022-02-18", "2022-02-27", "denial"),
    ("The Ukrainian army is not preparing an offensive against Donbas.",
     "OSCE monitors did not record new Ukrainian heavy weapons near the contact line in the week of 10 February.",
     "supports", "2022-02-08", "2022-02-14", "denial"),
    ("Ukraine is preparing to attack Donbas.",
     "OSCE monitors did not record new Ukrainian heavy weapons near the contact line in the week of 10 February.",
     "contradicts", "2022-02-08", "2022-02-14", "denial"),
    ("Russia is not planning any invasion.",
     "The Bolshoi Theatre cancelled a premiere because of illness in the cast.",
     "unrelated", "2022-02-01", "2022-02-02", "denial"),
    ("The joint drills Union Resolve 2022 will end on 20 February and Russian units will go home.",
     "On 20 February, Minsk said the drills would be extended because of tension in Donbas.",
     "contradicts", "2022-02-10", "2022-02-20", "drills_end"),
    ("All Russian servicemen will leave Belarus after the drills.",
     "In late February, the Russian forces in Belarus attacked northern Ukraine instead of returning home.",
     "contradicts", "2022-02-16", "2022-02-24", "drills_end"),
    ("After the exercise in Crimea, the troops of the Southern Military District will go back to their permanent bases.",
     "Trains carrying armoured vehicles were filmed crossing the Crimean bridge toward the mainland.",
     "supports", "2022-02-15", "2022-02-16", "drills_end"),
    ("After the drills, the troops near Brest will go home.",
     "Belarusian sports clubs in Brest held a marathon on the same weekend.",
     "unrelated", "2022-02-15", "2022-02-19", "drills_end"),
    ("The exercises in the Kursk region are over and the troops have gone.",
     "A field hospital set up near Kursk in January is still there, with new tents added.",
     "contradicts", "2022-02-16", "2022-02-19", "drills_end"),
    ("Troops will return to base after the drills.",
     "The drills in the Baltic Sea ended without incident.",
     "unrelated", "2022-02-15", "2022-02-16", "drills_end"),
    ("Russian forces are withdrawing from Crimea after the exercises.",
     "A convoy of ambulances crossed into Crimea from Kherson region to collect evacuees.",
     "unrelated", "2022-02-15", "2022-03-10", "hard_negative"),
    ("Russian artillery hit the railway station in Kramatorsk.",
     "Trains left Kramatorsk station on schedule as passenger numbers rose.",
     "unrelated", "2022-04-08", "2022-01-20", "hard_negative"),
    ("Russian troops shelled Chernihiv.",
     "Chernihiv's football club played its season opener in front of a full stadium.",
     "unrelated", "2022-03-05", "2021-11-05", "hard_negative"),
    ("The forces are withdrawing from the border with Ukraine.",
     "Russia withdrew from the Open Skies Treaty, its foreign ministry said.",
     "unrelated", "2022-02-15", "2021-12-18", "hard_negative"),
    ("Humanitarian corridors from Mariupol are open.",
     "Humanitarian organisations in Mariupol held a charity fair for orphanages.",
     "unrelated", "2022-03-10", "2021-12-01", "hard_negative"),
    ("Russian tanks are moving toward Kharkiv.",
     "A tank museum near Kharkiv reopened after restoration.",
     "unrelated", "2022-02-24", "2021-11-28", "hard_negative"),
    ("No Russian troops are in Mozyr.",
     "Mozyr oil refinery reported record output for the quarter.",
     "unrelated", "2022-02-20", "2022-01-14", "hard_negative"),
    ("Iskander launchers have been moved away from Brest.",
     "An Iskander launcher was filmed near Pogonovo, in Voronezh region, hundreds of kilometres from Brest.",
     "unrelated", "2022-02-16", "2022-02-17", "hard_negative"),
    ("The shelling of Mariupol by Russian forces continues.",
     "Mariupol is under heavy fire, and the city has had no water or electricity for days.",
     "supports", "2022-03-06", "2022-03-07", "paraphrase_support"),
    ("Russian forces have seized the Chernobyl nuclear plant.",
     "Ukraine's nuclear agency said Russian troops had taken control of the Chernobyl site and were holding its staff.",
     "supports", "2022-02-24", "2022-02-25", "paraphrase_support"),
    ("Our forces sank the flagship of the Black Sea Fleet.",
     "Photos show the cruiser Moskva listing heavily and burning before it sank.",
     "supports", "2022-04-14", "2022-04-18", "paraphrase_support"),
    ("The cruiser Moskva sank in a storm after a fire; it was not hit by missiles.",
     "US officials said the Moskva was struck by two Ukrainian Neptune missiles before it sank.",
     "contradicts", "2022-04-14", "2022-04-15", "denial"),
    ("The Antonov airport at Hostomel is under Russian control.",
     "Satellite images showed Russian vehicles across the Hostomel airfield and the An-225 hangar wrecked.",
     "supports", "2022-02-25", "2022-02-28", "paraphrase_support"),
    ("The enemy has been driven out of Trostianets.",
     "Ukrainian soldiers were filmed raising the flag on the town hall in Trostianets, with abandoned Russian tanks nearby.",
     "supports", "2022-03-26", "2022-03-27", "paraphrase_support"),
    ("The fighting at the Azovstal plant is over; the last defenders have surrendered.",
     "Buses carrying Ukrainian fighters from Azovstal were filmed arriving at Olenivka.",
     "supports", "2022-05-20", "2022-05-20", "paraphrase_support"),
    ("The Ukrainian army keeps full control of Severodonetsk.",
     "Ukrainian forces withdrew from Severodonetsk on orders on 24 June, the regional governor said.",
     "contradicts", "2022-06-10", "2022-06-24", "places"),
    ("The Russian army has captured Lysychansk.",
     "The Ukrainian General Staff confirmed that its troops had withdrawn from Lysychansk.",
     "supports", "2022-07-03", "2022-07-03", "paraphrase_support"),
]


def build_rows() -> list[dict]:
    """All pairs: templates and hand-written, deduplicated, in a fixed order."""
    rows = []
    rows += make_withdrawal(66)
    rows += make_civilian(60)
    rows += make_counts(45)
    rows += make_places(36)
    rows += make_timing(42)
    rows += make_negation(36)
    rows += make_hedging(36)
    rows += make_denial(33)
    rows += make_drills(27)
    rows += make_hard_negative(18)
    rows += make_paraphrase(18)
    rows += [row(c, e, lab, date.fromisoformat(cd), date.fromisoformat(ed), ph)
             for c, e, lab, cd, ed, ph in HANDWRITTEN]
    rows += make_field_titles(288)
    rows += make_polarity(300)
    seen = set()
    unique = []
    for r in rows:
        key = (r["claim"], r["evidence"])
        if key not in seen:
            seen.add(key)
            unique.append(r)
    return unique


def main() -> None:
    """Write the CSV and print counts per label."""
    rows = build_rows()
    with OUT.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=FIELDS)
        writer.writeheader()
        writer.writerows(rows)
    counts: dict[str, int] = {}
    for r in rows:
        counts[r["label"]] = counts.get(r["label"], 0) + 1
    print(f"{OUT.name}: {len(rows)} pairs {counts}")


if __name__ == "__main__":
    main()
