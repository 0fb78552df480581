# Deterministic 10-candidate, 100,000-ballot IRV contest in raire-rs JSON,
# one vote object per ballot (ungrouped, as CVRs arrive).
# Usage: python3 gen10x100k.py [SEED [close]] > in.json
import json, random, sys
r = random.Random(int(sys.argv[1]) if len(sys.argv) > 1 else 2026)
CLOSE = len(sys.argv) > 2 and sys.argv[2] == "close"
w = [12, 11.9, 11.8, 11.7, 11.6, 11.5, 11.4, 11.3, 11.2, 11.1] if CLOSE else [30, 27, 22, 6, 4.5, 3.5, 2.5, 2, 1.5, 1]
votes = []
for _ in range(100000):
    length = 1
    while length < 10 and r.random() < 0.68:
        length += 1
    cands, ws, prefs = list(range(10)), list(w), []
    for _ in range(length):
        c = r.choices(range(len(cands)), weights=ws)[0]
        prefs.append(cands.pop(c)); ws.pop(c)
    votes.append({"n": 1, "prefs": prefs})
json.dump({"num_candidates": 10, "votes": votes,
           "audit": {"type": "OneOnMargin", "total_auditable_ballots": 100000},
           "trim_algorithm": "MinimizeAssertions"}, sys.stdout)
