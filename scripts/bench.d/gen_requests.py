#!/usr/bin/env python3
"""Writes the signed Meta (WhatsApp Cloud API) webhooks that scripts/bench replays.

usage: gen_requests.py --config-dir ROOT --out DIR --app-secret S [-n N] [--contacts C]
                       [--dup-rate R] [--seed K]

Reads the seed catalogues and knowledge bases from ROOT/agents/*.yaml (a small line parser:
Python's standard library has no YAML) and writes into DIR:

  requests.txt   one request per line: "sha256=<hex>" TAB <raw JSON body>; the signature is
                 HMAC-SHA256(app secret, body bytes), as Meta sends in X-Hub-Signature-256.
                 Bodies are compact JSON with non-ASCII escaped as \\uXXXX, like Meta's.
  expected.json  the unique messages (wamid, phone_number_id, display number, from) and
                 counts; verify.py compares the sink's log with it.

Traffic: N requests, of which round(N * dup_rate) are byte-identical redeliveries of an
earlier request placed 1-200 requests after it (so some race the original). The unique
messages come from `contacts` distinct customers (each with a language: English, French,
Arabic or Arabizi) to the two seed numbers, and ask product prices, place orders, ask the
knowledge base's questions (its own examples), greet or ask for the catalogue. Texts that
name two catalogue products are left out: the sales agent answers those with one price per
product, and the check expects one reply per message.
"""
import argparse
import base64
import collections
import hashlib
import hmac
import json
import os
import random
import re
import sys
import time
import unicodedata

# The seed numbers (tenants.yaml defaults), each with its agent file.
SEED_NUMBERS = [
    {"tenant": "swiftreplies", "display": "96179374241", "pnid": "961793742410", "waba": "109876543210011",
     "agent": "ecla_sales_agent.yaml"},
    {"tenant": "astrosouks", "display": "9613451652", "pnid": "96134516520", "waba": "109876543210022",
     "agent": "astrosouks_sales_agent.yaml"},
]

LANGUAGES = ["en", "fr", "ar", "arabizi"]
LANGUAGE_WEIGHTS = [0.35, 0.2, 0.2, 0.25]

PRICE_TEMPLATES = {
    "en": ["How much is the {p}?", "what's the price of the {p}", "price of {p} please", "how much does the {p} cost?",
           "Hi, how much for the {p}?", "is the {p} available? how much"],
    "fr": ["Combien coûte le {p} ?", "c'est combien le {p}", "quel est le prix du {p} ?", "Bonjour, le prix de {p} svp",
           "{p} c'est combien ?"],
    "ar": ["قديش سعر {p}؟", "بكم {p}", "شو سعر {p}", "مرحبا، قديش حق {p}؟"],
    "arabizi": ["2addesh el {p}?", "adde sa3er {p}", "bkam {p}?", "marhaba, 2adde {p}", "{p} bi2adde?"],
}
ORDER_TEMPLATES = {
    "en": ["I want to order {q} {p}", "I'd like to buy the {p}", "please send me one {p}"],
    "fr": ["je veux commander {q} {p}", "je voudrais acheter le {p}"],
    "ar": ["بدي اطلب {p}", "بدي اشتري {p}"],
    "arabizi": ["baddi {p}", "baddi otlob {q} {p}", "bade eshtere {p}"],
}
QUANTITIES = {"en": ["one", "two", "2", "3"], "fr": ["un", "deux", "2"], "ar": ["2"], "arabizi": ["tnein", "2", "wa7de"]}
GREETINGS = {
    "en": ["Hi", "hello", "Good morning", "hey there"],
    "fr": ["Bonjour", "bonsoir", "salut"],
    "ar": ["مرحبا", "السلام عليكم", "صباح الخير"],
    "arabizi": ["marhaba", "kifak", "salam"],
}
CATALOGUE = {
    "en": ["what do you sell?", "can I see your products", "send me the catalogue please"],
    "fr": ["quels produits vous avez ?", "vous vendez quoi ?", "je peux voir le catalogue ?"],
    "ar": ["شو عندكم؟", "شو المنتجات يلي عندكم"],
    "arabizi": ["shu 3andkon?", "chou 3andkon ya3ne"],
}
ARABIC = re.compile(r"[\u0600-\u06FF]")
ARABIZI_HINT = re.compile(r"[a-z][2375][a-z]|\b(baddi|bade|shu|chou|fi|fine|kif|ktir|hal|w|ya|ma|la|el|3al|3a|btousal|byekhod|ad)\b")
FRENCH_HINT = re.compile(r"[éèêàçùâîôœ]|\b(vous|je|j|le|la|les|de|du|des|est|combien|pour|avec|dans|sans|une|un|et|mon|mes|"
                         r"vos|votre|quel|quelle|livrez|peux|puis|prix|montre|batterie|lampe|anneau|bandes|stylo|"
                         r"dentifrice|gros|commande|livraison)\b")

FIRST_NAMES = ["Ali", "Hassan", "Rami", "Karim", "Georges", "Elie", "Joe", "Tony", "Mohamad", "Hadi", "Nour", "Maya",
               "Rita", "Lara", "Yasmine", "Zeina", "Rana", "Hiba", "Christelle", "Farah", "Sara", "Jad", "Omar", "Lea"]
LAST_NAMES = ["Khoury", "Haddad", "Nassar", "Saad", "Hamdan", "Daher", "Aoun", "Fakhoury", "Mansour", "Rizk", "Khalil",
              "Sleiman", "Chamoun", "Jaber", "Makki", "Harb", "Saleh", "Bitar", "Gemayel", "Azar"]
MOBILE_PREFIXES = ["3", "70", "71", "76", "78", "79", "81"]


# ------------------------------------------------------------------ seed files

def yaml_scalar(text):
    """A YAML scalar as written in the seed files: "double", 'single' or plain."""
    text = text.strip()
    if text.startswith('"'):
        return json.loads(text)
    if text.startswith("'") and text.endswith("'"):
        return text[1:-1].replace("''", "'")
    return text


def yaml_flow_list(text):
    text = text.strip()
    try:
        value = json.loads(text)
        return [str(v) for v in value] if isinstance(value, list) else []
    except ValueError:
        return [yaml_scalar(v) for v in text.strip("[]").split(",") if v.strip()]


def read_agent(path):
    """Products (name, aliases) and knowledge base examples of one agent file."""
    products, examples = [], []
    section = None
    in_examples = False
    with open(path, encoding="utf-8") as f:
        for raw in f:
            line = raw.rstrip("\n")
            top = re.match(r"^([A-Za-z_]+):", line)
            if top:
                section = top.group(1)
                in_examples = False
                continue
            if section == "catalogue":
                m = re.match(r"^\s*-?\s*name:\s*(.+)$", line)
                if m:
                    products.append({"name": yaml_scalar(m.group(1)), "aliases": []})
                    continue
                m = re.match(r"^\s*aliases:\s*(\[.*\])\s*$", line)
                if m and products:
                    products[-1]["aliases"] = yaml_flow_list(m.group(1))
            elif section == "knowledge_base":
                if re.match(r"^\s*-?\s*question:\s*", line):
                    examples.append(yaml_scalar(line.split("question:", 1)[1]))
                    in_examples = False
                    continue
                if re.match(r"^\s*examples:\s*$", line):
                    in_examples = True
                    continue
                m = re.match(r"^\s*-\s+(.+)$", line)
                if in_examples and m and not re.match(r"^\s*-\s+\w+:", line):
                    examples.append(yaml_scalar(m.group(1)))
                elif not line.strip().startswith("-") and re.match(r"^\s+\w+:", line):
                    in_examples = False
    return products, examples


# ------------------------------------------------------------------ product matching
# A close approximation of the server's TextNormalizer + ProductMatcher, used only to leave
# out texts that name two products.

def tokens(text):
    out, cur = [], []
    for ch in text.lower():
        cp = ord(ch)
        if cp == 0x640 or 0x64B <= cp <= 0x65F or cp == 0x670:
            continue
        ch = {"\u0622": "ا", "\u0623": "ا", "\u0625": "ا", "\u0671": "ا", "\u0629": "ه", "\u0649": "ي",
              "\u0624": "و", "\u0626": "ي", "œ": "oe", "æ": "ae", "ß": "ss"}.get(ch, ch)
        if ch in ("'", "\u2019"):
            ch = " "
        base = unicodedata.normalize("NFD", ch)[0] if ch.isalpha() and ord(ch) < 0x250 else ch
        if base.isalnum():
            cur.append(base)
        else:
            if cur:
                out.append("".join(cur))
            cur = []
    if cur:
        out.append("".join(cur))
    result = []
    for tok in out:
        for prefix in ["وال", "بال", "فال", "كال", "ال", "لل"]:
            if tok.startswith(prefix) and len(tok) > len(prefix) + 1:
                tok = tok[len(prefix):]
                break
        result.append(tok)
    return result


def same_word(a, b):
    if a == b:
        return True
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    if len(short) < 3 or not long_.startswith(short):
        return False
    rest = long_[len(short):]
    return rest in ("s", "es", "x") or (len(short) >= 4 and len(rest) <= 2)


def products_named(text, products):
    toks = tokens(text)
    named = set()
    for index, product in enumerate(products):
        for phrase in [product["name"]] + product["aliases"]:
            ptoks = tokens(phrase)
            if not ptoks or len(ptoks) > len(toks):
                continue
            for start in range(len(toks) - len(ptoks) + 1):
                if all(same_word(toks[start + k], ptoks[k]) for k in range(len(ptoks))):
                    named.add(index)
                    break
            if index in named:
                break
    return named


def language_of(text):
    if ARABIC.search(text):
        return "ar"
    low = text.lower()
    if FRENCH_HINT.search(low):
        return "fr"
    if ARABIZI_HINT.search(low):
        return "arabizi"
    return "en"


# ------------------------------------------------------------------ texts

def build_pools(products, examples):
    """Texts per kind and language, each naming at most one product."""
    pools = {kind: {lang: [] for lang in LANGUAGES} for kind in ("price", "order", "faq", "greeting", "catalogue")}
    # Product names as each kind of customer writes them: the catalogue name, and the aliases
    # in their language (Lebanese Arabizi speakers mix in English words).
    by_lang = {lang: [] for lang in LANGUAGES}
    for product in products:
        by_lang["en"].append(product["name"])
        by_lang["fr"].append(product["name"])
        for alias in product["aliases"]:
            lang = language_of(alias)
            by_lang[lang].append(alias)
            if lang == "en":
                by_lang["arabizi"].append(alias)

    def add(kind, lang, text):
        if len(products_named(text, products)) <= 1 and tokens(text):
            pools[kind][lang].append(text)

    for lang in LANGUAGES:
        names = by_lang[lang] or by_lang["en"]
        for name in names:
            for template in PRICE_TEMPLATES[lang]:
                add("price", lang, template.format(p=name))
            for template in ORDER_TEMPLATES[lang]:
                add("order", lang, template.format(p=name, q=QUANTITIES[lang][len(name) % len(QUANTITIES[lang])]))
        for text in GREETINGS[lang]:
            add("greeting", lang, text)
        for text in CATALOGUE[lang]:
            add("catalogue", lang, text)
    for text in examples:
        add("faq", language_of(text), text)
    return pools


KIND_WEIGHTS = [("price", 0.42), ("faq", 0.33), ("order", 0.12), ("greeting", 0.07), ("catalogue", 0.06)]


def pick_text(rng, pools, lang):
    r = rng.random()
    acc = 0.0
    for kind, weight in KIND_WEIGHTS:
        acc += weight
        if r <= acc:
            break
    pool = pools[kind][lang] or pools[kind]["en"] or pools["price"]["en"]
    return kind, rng.choice(pool)


# ------------------------------------------------------------------ main

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--config-dir", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--app-secret", required=True)
    ap.add_argument("-n", type=int, default=20000)
    ap.add_argument("--contacts", type=int, default=5000)
    ap.add_argument("--dup-rate", type=float, default=0.02)
    ap.add_argument("--seed", type=int, default=42)
    args = ap.parse_args()
    if args.n < 1 or args.contacts < 1 or not 0 <= args.dup_rate < 0.5:
        sys.exit("gen_requests: need n >= 1, contacts >= 1, 0 <= dup-rate < 0.5")

    rng = random.Random(args.seed)
    numbers = []
    for seed in SEED_NUMBERS:
        path = os.path.join(args.config_dir, "agents", seed["agent"])
        products, examples = read_agent(path) if os.path.exists(path) else ([], [])
        if len(products) < 3:
            sys.exit(f"gen_requests: found {len(products)} products in {path}; the seed catalogue is needed")
        pools = build_pools(products, examples)
        numbers.append(dict(seed, pools=pools, products=len(products), faq_examples=len(examples)))

    # Customers: distinct Lebanese mobile numbers, each with a name and a language.
    contacts, seen = [], set()
    while len(contacts) < args.contacts:
        prefix = rng.choice(MOBILE_PREFIXES)
        wa_id = "961" + prefix + "".join(str(rng.randrange(10)) for _ in range(8 - len(prefix)))
        if wa_id in seen:
            continue
        seen.add(wa_id)
        lang = rng.choices(LANGUAGES, LANGUAGE_WEIGHTS)[0]
        contacts.append({"wa_id": wa_id, "name": f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}", "lang": lang})

    n_dups = int(round(args.n * args.dup_rate))
    n_unique = args.n - n_dups
    secret = args.app_secret.encode()
    base_ts = int(time.time()) - 60
    unique = []     # (sort key, signed line)
    expected = []
    kinds = collections.Counter()
    langs = collections.Counter()
    per_number = collections.Counter()
    for i in range(n_unique):
        contact = contacts[i] if i < len(contacts) else rng.choice(contacts)   # every customer writes at least once when N allows
        number = numbers[rng.randrange(len(numbers))]
        kind, text = pick_text(rng, number["pools"], contact["lang"])
        kinds[kind] += 1
        langs[contact["lang"]] += 1
        per_number[number["pnid"]] += 1
        wamid = "wamid.HBgL" + base64.b64encode(
            contact["wa_id"].encode() + b"\x15\x02\x00\x12\x18" + f"BENCH{args.seed:04d}{i:09d}".encode()).decode()
        body = {
            "object": "whatsapp_business_account",
            "entry": [{
                "id": number["waba"],
                "changes": [{
                    "value": {
                        "messaging_product": "whatsapp",
                        "metadata": {"display_phone_number": number["display"], "phone_number_id": number["pnid"]},
                        "contacts": [{"profile": {"name": contact["name"]}, "wa_id": contact["wa_id"]}],
                        "messages": [{
                            "from": contact["wa_id"], "id": wamid, "timestamp": str(base_ts + i // 200),
                            "text": {"body": text}, "type": "text",
                        }],
                    },
                    "field": "messages",
                }],
            }],
        }
        raw = json.dumps(body, ensure_ascii=True, separators=(",", ":"))
        sig = hmac.new(secret, raw.encode(), hashlib.sha256).hexdigest()
        unique.append(f"sha256={sig}\t{raw}")
        expected.append({"wamid": wamid, "pnid": number["pnid"], "display": number["display"], "from": contact["wa_id"]})

    order = [(float(i), i) for i in range(n_unique)]
    # Redeliveries: the same bytes again, 1-200 requests after the original.
    for _ in range(n_dups):
        i = rng.randrange(n_unique)
        order.append((i + rng.randint(1, 200) + 0.5, i))
    order.sort()

    os.makedirs(args.out, exist_ok=True)
    with open(os.path.join(args.out, "requests.txt"), "w", encoding="ascii", newline="\n") as f:
        for _, i in order:
            f.write(unique[i])
            f.write("\n")
    distinct_contacts = len({e["from"] for e in expected})
    meta = {
        "total_requests": len(order), "unique_messages": n_unique, "duplicate_deliveries": n_dups,
        "contacts": distinct_contacts, "seed": args.seed, "dup_rate": args.dup_rate,
        "per_phone_number_id": dict(per_number), "kinds": dict(kinds), "languages": dict(langs),
        "numbers": [{"display": n["display"], "pnid": n["pnid"], "tenant": n["tenant"], "products": n["products"],
                     "faq_examples": n["faq_examples"]} for n in numbers],
    }
    with open(os.path.join(args.out, "expected.json"), "w", encoding="utf-8") as f:
        json.dump({"meta": meta, "messages": expected}, f)
    json.dump(meta, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
