"""The pack desk: what happens to an order once its last tote reaches a pack
station.

1. **Promise.** At intake the order gets a promised delivery date
   (:func:`robocore.shipping.promise_date`: processing time, carrier cut-offs,
   transit days, no weekend pickups).
2. **Cartons.** The order's units are packed into the cheapest carton set
   (:func:`planner.cartonize.cartonize`), checked by
   :func:`robocore.packing.verify_packing`. A unit too big or heavy for
   every carton ships on its own in its own packaging (carton ``OWN``).
3. **Service and label.** Each parcel gets the cheapest carrier service that
   still meets the promise (:func:`robocore.shipping.choose_service`), a
   tracking number (carrier prefix + serial + Luhn digit) and a label, as
   ZPL text (every parcel) and as PNG (the first ``png_labels`` parcels of a
   run; rendering PNGs is the slow part), under ``labels/``.
4. **Ledger.** :meth:`PackDesk.pack` records the parcels (carton, dims,
   weight, SKUs) with ``mark_packed``; :meth:`PackDesk.ship` reads them back
   from the ledger, does step 3 and ``mark_shipped``: the parcels are handed
   to the carrier at the dock at once (the ledger's ``shipped`` means "left
   our hands"); the carrier's own pickup time and transit decide the
   delivery date. The order is on time when every parcel's expected delivery
   date is on or before the promise.
5. **Tracking.** :class:`robocore.carrier_events.CarrierSimulator` gives each
   parcel's events; :meth:`PackDesk.carrier_events` plays those due by the
   current floor time: all parcels delivered -> ``mark_delivered``; an
   exception -> ``mark_exception`` with the carrier's reason. A carrier event
   that moves the expected date past the promise, or an exception, writes a
   ``delayed`` notification to the ledger's outbox (keyed, so never twice);
   the ledger itself writes ``confirmed``, ``shipped`` and ``delivered``.
6. **Restart.** A desk built on a ledger that already holds parcels
   continues the tracking serials after the highest one in use; after a
   controller restart (``fleet.resume``) :meth:`PackDesk.ship` ships the
   orders left ``packed`` and :meth:`PackDesk.resume` rebuilds the carrier
   events of the parcels shipped before it.
"""

from __future__ import annotations

import heapq
from datetime import datetime
from pathlib import Path

from fleet.floortime import naive_utc

__all__ = ["PackDesk"]


def _region(address) -> str:
    """The shipping region of an address: from a five-digit postcode, else its region label."""
    from robocore import shipping

    if hasattr(shipping, "region_of_address"):
        return shipping.region_of_address(address)
    return shipping.region_of(address.postcode)


def _parcel_no(parcel) -> tuple:
    """Sort key of a parcel ``ORDER-P<k>``: by ``k`` (so P10 follows P9), others after, by id."""
    pid = str(parcel["id"])
    head, _, k = pid.rpartition("-P")
    return (0, int(k), pid) if head and k.isdigit() else (1, 0, pid)


def _highest_serial(ledger) -> int:
    """The highest tracking serial among the ledger's parcels (0 if none); the
    serial counter is shared by all carriers. Tracking numbers not in
    ``robocore.tracking``'s format (written by someone else) are ignored."""
    from robocore.tracking import tracking_serial, valid_tracking_number

    return max((tracking_serial(t) for t in ledger.tracking_numbers() if valid_tracking_number(t)), default=0)


def _ship_from():
    from robocore.orders import Address

    return Address(name="robocore fulfilment WH-1", street="Dock road 1", city="Robotown", postcode="10000",
                   region="region-1", country="NL")


class PackDesk:
    """Cartons, carrier services, labels and tracking for one warehouse.

    Parameters
    ----------
    ledger: the run's ``robocore.Ledger``.
    labels_dir: folder for ``<tracking>.zpl`` / ``.png`` labels (None: no files).
    seed: seeds the carrier simulator.
    processing_hours: promised processing time from confirmation to ready-to-ship.
    png_labels: PNG labels written at most (ZPL is written for every parcel).
    exception_rate, late_rate: carrier simulator rates.
    exact_split_items: orders up to this many units get the cartonizer's exact
        split search; larger ones first-fit-decreasing (see ``planner.cartonize``).
    exact_fit: let the cartonizer run its exact fit search after a heuristic
        miss (slower, sometimes a smaller carton).
    """

    def __init__(self, ledger, *, labels_dir=None, seed: int = 0, processing_hours: float = 4.0,
                 png_labels: int = 20, exception_rate: float = 0.01, late_rate: float = 0.05,
                 exact_split_items: int = 6, exact_fit: bool = False):
        from robocore.carrier_events import CarrierSimulator

        self.ledger = ledger
        self.labels_dir = Path(labels_dir) if labels_dir is not None else None
        if self.labels_dir is not None:
            self.labels_dir.mkdir(parents=True, exist_ok=True)
        self.ship_from = _ship_from()
        self.from_region = _region(self.ship_from)
        self.processing_hours = float(processing_hours)
        self.png_labels = int(png_labels)
        self.sim = CarrierSimulator(seed, exception_rate=exception_rate, late_rate=late_rate)
        self.exact_split_items = int(exact_split_items)
        self.exact_fit = bool(exact_fit)
        self.promised: dict[str, object] = {}
        self.parcels = 0
        self.labels_png = 0
        self.fill_rates: list[float] = []
        self.carton_cost = 0.0
        self.shipping_cost = 0.0
        self._serial = _highest_serial(ledger)  # serials continue after those the ledger's parcels carry
        self._queue: list = []  # (time, seq, order_id, tracking, event)
        self._seq = 0
        self._open_parcels: dict[str, set[str]] = {}  # order -> trackings not yet delivered
        self._meta: dict[str, tuple] = {}  # tracking -> (order_id, carrier name, service code)
        self._sku: dict[str, object] = {}
        self._fits: dict[str, bool] = {}

    # ----------------------------------------------------------- promise
    def promise(self, record, now: datetime):
        """The promised delivery date of an order confirmed at ``now``."""
        from robocore.shipping import promise_date

        level = record.service_level if record.service_level in ("economy", "standard", "express") else "standard"
        d = promise_date(now, service_level=level, processing_hours=self.processing_hours,
                         from_region=self.from_region, to_region=_region(record.ship_to))
        self.promised[record.id] = d
        return d

    # -------------------------------------------------------------- pack
    def _item(self, sku_id: str):
        from robocore.packing import Item

        if sku_id not in self._sku:
            s = self.ledger.sku(sku_id)
            self._sku[sku_id] = Item(sku_id, tuple(int(v) for v in s.dims_mm), float(s.weight_kg),
                                     upright_only=bool(s.upright_only))
        return self._sku[sku_id]

    def _fits_a_carton(self, item) -> bool:
        from planner.cartonize import cartonize
        from robocore.errors import InputError

        if item.sku not in self._fits:
            try:
                cartonize([item])
                self._fits[item.sku] = True
            except InputError:
                self._fits[item.sku] = False
        return self._fits[item.sku]

    def pack_and_ship(self, order_id: str, items, now: datetime) -> dict:
        """Pack the staged ``items`` (:class:`fleet.tours.ToteItem`) of a fully
        picked order, label and ship its parcels (:meth:`pack`, then
        :meth:`ship`); returns ``{"state", "on_time", "parcels"}``."""
        self.pack(order_id, items, now)
        return self.ship(order_id, now)

    def pack(self, order_id: str, items, now: datetime):
        """Cartonize the staged ``items`` of a fully picked order and record its
        parcels (carton, dims, weight, SKUs) with ``mark_packed``; returns the
        ledger's record. Raises ``InputError`` if the order is not ``picked``."""
        from planner.cartonize import cartonize
        from robocore.packing import verify_packing

        units = [self._item(it.sku) for it in items for _ in range(it.qty)]
        boxed = [u for u in units if self._fits_a_carton(u)]
        own = [u for u in units if not self._fits_a_carton(u)]
        parcels = []  # (carton id, dims, weight, skus)
        if boxed:
            res = cartonize(boxed, exact_split_items=self.exact_split_items, exact=self.exact_fit)
            verify_packing(res, boxed)
            self.fill_rates.append(res.fill_rate)
            self.carton_cost += res.cost
            for p in res.parcels:
                skus = [boxed[pl.item].sku for pl in p.placements]
                # contents weight, rounded to grams (a sum of floats may land a hair over a limit)
                parcels.append((p.carton.id, p.carton.dims, max(round(p.weight(boxed), 3), 0.01), skus))
        for u in own:
            parcels.append(("OWN", u.dims, max(round(u.weight, 3), 0.01), [u.sku]))
        packed = [{"id": f"{order_id}-P{k}", "carton": carton, "weight_kg": round(weight, 3), "dims_mm": list(dims),
                   "items": skus} for k, (carton, dims, weight, skus) in enumerate(parcels, start=1)]
        return self.ledger.mark_packed(order_id, packed, at=now)

    def ship(self, order_id: str, now: datetime) -> dict:
        """Label and ship the parcels the ledger holds for ``order_id``, a
        ``packed`` order: each gets the cheapest service that meets the
        order's promise, a tracking number and a label; ``mark_shipped``; the
        carrier's events are queued. The same for an order packed a moment
        ago and for one a dead controller packed and never shipped
        (``fleet.resume``). Returns ``{"state", "on_time", "parcels"}``.

        Raises
        ------
        InputError
            If the order is not ``packed``, or a parcel has no ``weight_kg``.
        """
        from robocore.errors import InputError
        from robocore.shipping import choose_service
        from robocore.tracking import tracking_number

        rec = self.ledger.order(order_id)
        if rec.state != "packed":
            raise InputError(f"order {order_id!r}: cannot ship from {rec.state}: it is not packed")
        parcels = sorted(rec.parcels, key=_parcel_no)
        for p in parcels:
            if not isinstance(p.get("weight_kg"), (int, float)) or isinstance(p.get("weight_kg"), bool):
                raise InputError(f"order {order_id!r} parcel {p['id']!r}: no weight_kg recorded at packing")
        promised = self.promised.get(order_id) or self.promise(rec, now)
        to_region = _region(rec.ship_to)
        shipped, follow = [], []
        on_time = True
        for k, p in enumerate(parcels, start=1):
            weight = float(p["weight_kg"])
            choice = choose_service(weight, from_region=self.from_region, to_region=to_region, ship_time=now,
                                    promised_date=promised)
            self._serial += 1
            tn = tracking_number(choice.service.carrier, self._serial)
            self.shipping_cost += choice.cost
            on_time &= not choice.late
            shipped.append({"id": p["id"], "carrier": choice.service.carrier.name, "service": choice.service.code,
                            "tracking": tn})
            self._label(tn, rec, choice, weight, now, k, len(parcels))
            follow.append((tn, choice))
        self.parcels += len(parcels)
        rec = self.ledger.mark_shipped(order_id, shipped, at=now)
        for tn, choice in follow:
            self._follow(order_id, tn, choice, rec.ship_to.city)
        return {"state": rec.state, "on_time": bool(on_time), "parcels": len(parcels)}

    def _follow(self, order_id: str, tracking: str, choice, to_city: str) -> None:
        """Queue the carrier events of parcel ``tracking`` of ``order_id``."""
        self._meta[tracking] = (order_id, choice.service.carrier.name, choice.service.code)
        self._open_parcels.setdefault(order_id, set()).add(tracking)
        for ev in self.sim.events(tracking, choice, to_city=to_city):
            self._seq += 1
            heapq.heappush(self._queue, (ev.time, self._seq, order_id, tracking, ev))

    # ------------------------------------------------------------ restart
    def resume(self) -> dict[str, int]:
        """Take back the tracking of the parcels of every ``shipped`` order in
        the ledger, after a controller restart (``fleet.resume``).

        Each parcel's events are rebuilt from the ledger: the carrier
        simulator is deterministic in (seed, tracking, service choice), and
        the choice is rebuilt for the *recorded* service
        (:func:`robocore.shipping.service_choice`) from the parcel's weight,
        the order's address and promise (from its confirmation time) and its
        ship time (the ledger's ``packed -> shipped`` event), so the events
        are those the dead desk had queued. Events already played before the
        restart play again harmlessly: delivery and exception apply only to a
        ``shipped`` order, and ``delayed`` notifications are keyed in the
        outbox. An order delivered parcel by parcel is delivered when all its
        parcels are. Parcels already followed by this desk are skipped.

        Not rebuilt (the order stays ``shipped``; counted as ``untracked``):
        parcels whose service code is not a known service of their recorded
        carrier, or that have no recorded weight; and orders put back to
        ``shipped`` after a carrier exception (their carrier story ended there,
        as it did in the dead desk's queue).

        Returns counts: ``orders`` and ``parcels`` whose tracking resumed,
        ``untracked`` parcels.
        """
        from robocore.shipping import DEFAULT_SERVICES, service_choice

        services = {s.code: s for s in DEFAULT_SERVICES}
        counts = {"orders": 0, "parcels": 0, "untracked": 0}
        for summary in self.ledger.orders("shipped"):
            rec = self.ledger.order(summary.id)
            parcels = [p for p in sorted(rec.parcels, key=_parcel_no) if p.get("tracking") not in self._meta]
            if not parcels:
                continue
            events = self.ledger.events(rec.id)
            ships = [k for k, e in enumerate(events) if e.from_state == "packed" and e.to_state == "shipped"]
            if not ships or any(e.from_state == "shipped" and e.to_state == "exception" for e in events[ships[-1]:]):
                counts["untracked"] += len(parcels)
                continue
            ship_time = naive_utc(events[ships[-1]].at)
            promised = self.promised.get(rec.id) or self.promise(rec, naive_utc(rec.created_at))
            rebuilt = []
            for p in parcels:
                s = services.get(p.get("service"))
                w = p.get("weight_kg")
                if (s is None or s.carrier.name != p.get("carrier") or not isinstance(w, (int, float))
                        or isinstance(w, bool) or not 0 < w <= s.max_weight):
                    break
                rebuilt.append((p["tracking"], service_choice(s, float(w), from_region=self.from_region,
                                                              to_region=_region(rec.ship_to), ship_time=ship_time,
                                                              promised_date=promised)))
            if len(rebuilt) < len(parcels):
                counts["untracked"] += len(parcels)
                continue
            for tn, choice in rebuilt:
                self._follow(rec.id, tn, choice, rec.ship_to.city)
            counts["orders"] += 1
            counts["parcels"] += len(rebuilt)
        return counts

    def _label(self, tracking, rec, choice, weight, now, k, n) -> None:
        if self.labels_dir is None:
            return
        from robocore.labels import Label, label_png, label_zpl

        label = Label(tracking=tracking, ship_from=self.ship_from, ship_to=rec.ship_to, service=choice.service,
                      weight_kg=round(weight, 3), order_id=rec.id, ship_date=choice.pickup.date(), parcel=k, parcels=n)
        (self.labels_dir / f"{tracking}.zpl").write_text(label_zpl(label))
        if self.labels_png < self.png_labels:
            label_png(label, self.labels_dir / f"{tracking}.png")
            self.labels_png += 1

    # ---------------------------------------------------------- tracking
    def carrier_events(self, now: datetime) -> list[dict]:
        """Play the carrier events due by ``now``; return ``{"order_id",
        "state"}`` for each order whose state changed (delivered or exception)."""
        if not self._queue or self._queue[0][0] > now:
            return []
        from robocore.carrier_events import CarrierEventKind as K
        from robocore.notifications import notification_for_event

        changed = []
        while self._queue and self._queue[0][0] <= now:
            _, _, oid, tn, ev = heapq.heappop(self._queue)
            state = self.ledger.order(oid).state
            if state not in ("shipped",):
                continue  # already delivered (other parcels), excepted or cancelled
            _, carrier, service = self._meta[tn]
            promised = self.promised.get(oid)
            if promised is not None and ev.kind in (K.IN_TRANSIT, K.OUT_FOR_DELIVERY, K.EXCEPTION):
                note = notification_for_event(oid, ev, promised_date=promised, carrier=carrier, service=service)
                if note is not None:
                    self.ledger.notify(oid, str(note.kind), note.payload, key=note.dedup_key, at=ev.time)
            if ev.kind == K.DELIVERED:
                self._open_parcels[oid].discard(tn)
                if not self._open_parcels[oid]:
                    self.ledger.mark_delivered(oid, at=ev.time)
                    changed.append({"order_id": oid, "state": "delivered"})
            elif ev.kind == K.EXCEPTION:
                self.ledger.mark_exception(oid, f"parcel {tn}: {ev.detail or 'carrier exception'}", at=ev.time)
                changed.append({"order_id": oid, "state": "exception"})
        return changed
