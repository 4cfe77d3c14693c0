"""Realistic model replies for the benchmarks: business emails with greetings, people's names,
product names, figures, dates and the odd address, email or phone number, about 1 KB each
(or any size), all different, so no cache sees the same text twice."""

from __future__ import annotations

import random
import unicodedata

NAMES = ["Dana Whitfield", "Priya Raman", "Marcus Webb", "Jennifer Cherry", "Kenji Sato", "Amara Okafor", "Lucía Fernández",
         "Tom Becker", "Olivia Brennan", "Ravi Shankar", "Sofia Rossi", "Daniel Cohen", "Mei Lin", "Henrik Larsen"]
PRODUCTS = ["Cloud Suite", "Audit Log add-on", "Insights Pro", "Team plan", "Enterprise plan", "Data Connector",
            "Admin Console", "Support Plus"]
SENTENCES = [
    "Thanks for the time on {day}; here is a summary of where we landed on the {product} rollout.",
    "Your team wants the {product} for {seats} seats, starting next quarter at ${price} per seat per month.",
    "{name} will own the rollout on your side, and our onboarding lead will schedule three training sessions.",
    "We agreed to a pilot with {teams} regional teams first, then a wider launch once the admins are trained.",
    "The {product} includes SSO, the audit log and a 99.9% uptime SLA, with support on business days.",
    "Invoices go to the finance office and are due net {net}; the first one covers {months} months.",
    "If anything in this summary looks off, reply to this email and I will correct it before {day}.",
    "We can offer {discount}% off the first year if the order form is signed by the end of the month.",
    "{first} mentioned that the data migration should finish in {weeks} weeks, well before the renewal.",
    "The contract redlines are attached; legal flagged only the data processing addendum, which we can sign as is.",
    "You can reach {first} at {email} or on (415) 555-{phone} if the timing changes.",
    "Our quarterly review is on {day} at 10:00, and we will share the adoption figures for all {seats} seats.",
]
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]


def reply(size: int = 1024, seed: int = 0) -> str:
    """A greeting, sentences filled at random, a sign-off: about `size` characters."""
    rng = random.Random(seed)
    name = rng.choice(NAMES)
    first = name.split()[0]
    parts = [f"Hi {first},\n\n"]
    length = len(parts[0])
    while length < size - 60:
        other = rng.choice(NAMES)
        sentence = rng.choice(SENTENCES).format(
            day=rng.choice(DAYS), product=rng.choice(PRODUCTS), seats=rng.randint(10, 400), price=rng.randint(12, 95),
            name=other, first=other.split()[0], teams=rng.randint(2, 6), net=rng.choice([15, 30, 45]),
            months=rng.choice([3, 6, 12]), discount=rng.choice([5, 10, 15]), weeks=rng.randint(2, 8),
            email=_ascii(f"{other.split()[0]}.{other.split()[-1]}@example.com".lower()), phone=rng.randint(1000, 9999))
        parts.append(sentence + (" " if rng.random() < 0.8 else "\n\n"))
        length += len(parts[-1])
    sign = f"\n\nBest regards,\n{rng.choice(NAMES)}\nAccount Executive"
    return ("".join(parts).rstrip() + sign)[: max(size, 80)]


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
