// The local day of a row's time, for the `day` column and the rollup: Zone.dayOf with the answer
// held per 15-minute UTC slot. Zone offsets are whole quarter hours and change only on
// quarter-hour instants, so a local midnight never falls inside a slot: one day per slot. Rows
// mostly arrive in time order, so the previous row's slot is checked first; per row this is a
// comparison instead of building a Date and its ISO text.
import type { DayString, Zone } from '../../domain/time/zone.js';

const SLOT_MS = 15 * 60 * 1000;

export class LocalDays {
  private bySlot = new Map<number, DayString>();
  private lastSlot = NaN;
  private lastDay: DayString = '';

  constructor(private current: Zone) {}

  get zone(): Zone {
    return this.current;
  }

  /** Days from now on are in `zone` (what was held is forgotten). */
  switchTo(zone: Zone): void {
    this.current = zone;
    this.bySlot = new Map();
    this.lastSlot = NaN;
  }

  dayOf(ms: number): DayString {
    const slot = Math.floor(ms / SLOT_MS);
    if (slot === this.lastSlot) return this.lastDay;
    let day = this.bySlot.get(slot);
    if (day === undefined) {
      day = this.current.dayOf(slot * SLOT_MS);
      if (this.bySlot.size > 100_000) this.bySlot.clear();
      this.bySlot.set(slot, day);
    }
    this.lastSlot = slot;
    this.lastDay = day;
    return day;
  }
}
