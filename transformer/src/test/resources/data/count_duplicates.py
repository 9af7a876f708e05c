# Independent count of exact duplicates after whitespace normalisation (runs of whitespace -> one space, trimmed)
# in the shared customer-support JSONL, as SftDataTest expects: prints the duplicate count for the first 500 lines
# and for the whole file, and the line numbers of each duplicate group.
# Run: python3 count_duplicates.py ../../../../../shared/data/customer-support/bitext_customer_support_6480_short.DERIVED.messages.jsonl
import collections, json, re, sys

def count(path, limit=None):
    groups = collections.defaultdict(list)
    with open(path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            if limit is not None and number > limit:
                break
            d = json.loads(line)
            key = tuple((m["role"], re.sub(r"\s+", " ", m["content"].strip())) for m in d["messages"])
            groups[key].append(number)
    dups = [g for g in groups.values() if len(g) > 1]
    return sum(len(g) - 1 for g in dups), dups

path = sys.argv[1]
for limit in (500, None):
    n, dups = count(path, limit)
    print(f"first {limit or 'all'} lines: {n} duplicates; groups {dups}")
