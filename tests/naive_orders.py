"""A slow, obviously correct model of the ledger's stock and allocation rule.

Plain dicts, no SQL: used by tests/test_ledger.py to check ``robocore.Ledger``
under hypothesis on small random cases. It follows docs/ledger.md literally.
"""

from __future__ import annotations

CROSS_REGION_COST = 5.0


class NaiveLedger:
    def __init__(self, warehouses):
        # warehouses: list of (id, region, handling_days, cost)
        self.wh = {w[0]: w for w in warehouses}
        self.stock = {}  # (wh, slot, sku) -> [on_hand, reserved]
        self.orders = {}  # id -> dict(state, lines=[[sku, qty]], res=[[line, wh, slot, sku, qty, picked]], ...)

    def receive(self, wh, slot, sku, qty):
        self.stock.setdefault((wh, slot, sku), [0, 0])[0] += qty

    def available(self, wh, slot, sku):
        oh, res = self.stock.get((wh, slot, sku), [0, 0])
        return oh - res

    def submit(self, oid, lines, region, complete):
        self.orders[oid] = {"state": "received", "lines": [list(x) for x in lines], "res": [], "region": region,
                            "complete": complete}

    def allocate(self, oid):
        o = self.orders[oid]
        needs = []
        for i, (sku, qty) in enumerate(o["lines"], 1):
            have = sum(r[4] for r in o["res"] if r[0] == i)
            if qty - have > 0:
                needs.append((i, sku, qty - have))
        # warehouses in (handling days, cost, id) order
        order = sorted(self.wh, key=lambda w: (self.wh[w][2],
                                               self.wh[w][3] + (0 if self.wh[w][1] == o["region"] else
                                                                CROSS_REGION_COST), w))

        def total(w, sku):
            return sum(self.available(ww, slot, s) for (ww, slot, s) in self.stock if ww == w and s == sku)

        want = {}
        for _, sku, q in needs:
            want[sku] = want.get(sku, 0) + q
        single = next((w for w in order if all(total(w, s) >= q for s, q in want.items())), None)
        if single is not None:
            use = [single]
        elif not o["complete"]:
            use = order
        else:
            use = []
        short = False
        for i, sku, q in needs:
            left = q
            for w in use:
                slots = sorted((slot for (ww, slot, s) in self.stock if ww == w and s == sku),
                               key=lambda sl: (-self.available(w, sl, sku), sl))
                for sl in slots:
                    take = min(left, self.available(w, sl, sku))
                    if take > 0:
                        self.stock[(w, sl, sku)][1] += take
                        o["res"].append([i, w, sl, sku, take, 0])
                        left -= take
                if left == 0:
                    break
            if left:
                short = True
        if not short:
            o["state"] = "allocated"
        elif o["res"]:
            o["state"] = "partially_allocated"
        else:
            o["state"] = "backordered"

    def release(self, oid):
        self.orders[oid]["state"] = "released"

    def pick_all(self, oid):
        o = self.orders[oid]
        for r in o["res"]:
            n = r[4] - r[5]
            key = (r[1], r[2], r[3])
            self.stock[key][0] -= n
            self.stock[key][1] -= n
            r[5] += n
        o["state"] = "picking"

    def cancel(self, oid):
        o = self.orders[oid]
        for r in o["res"]:
            key = (r[1], r[2], r[3])
            self.stock[key][1] -= r[4] - r[5]
            self.stock[key][0] += r[5]  # picked units go back where they came from
        o["res"] = []
        o["state"] = "cancelled"
