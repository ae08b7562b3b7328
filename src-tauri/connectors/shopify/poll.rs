//! When to ask again how a bulk export is doing.
//!
//! A poll is one small `node` query: about one point of a bucket that
//! restores 100 a second (`../shared/api-contracts.md` §1.5), so even four
//! polls a second cost nothing that matters. What costs is sleeping past an
//! export's end: a wait grown to 10 s can add up to 10 s to every export.
//! So the first polls come quickly and the wait grows only to [`CAP`]; and
//! once `objectCount` has grown between two polls and the export's likely
//! size is known (the span before it, which covers as long a time), the next
//! poll comes when that rate says the export will be done.

use std::time::Duration;

/// The longest wait between two polls.
pub const CAP: Duration = Duration::from_secs(2);
/// The shortest, however soon the rate says the end is.
pub const FLOOR: Duration = Duration::from_millis(100);

#[derive(Debug, Clone)]
pub struct PollPlan {
    /// The wait when nothing better is known; grows by half each poll.
    ramp: Duration,
    /// The last poll: how long into the export, and the objects it counted.
    seen: Option<(Duration, u64)>,
    /// How many objects the export will likely hold.
    expected: Option<u64>,
}

impl PollPlan {
    /// Polls starting `first` apart; `expected` objects, when known.
    pub fn new(first: Duration, expected: Option<u64>) -> Self {
        Self {
            ramp: first.clamp(FLOOR, CAP),
            seen: None,
            expected: expected.filter(|n| *n > 0),
        }
    }

    /// The wait before the next poll, after one `at` into the export that
    /// counted `objects`.
    pub fn after(&mut self, at: Duration, objects: u64) -> Duration {
        let ramp = self.ramp;
        self.ramp = (self.ramp * 3 / 2).min(CAP);
        let timed = match (self.seen, self.expected) {
            (Some((then, before)), Some(total)) if objects > before && at > then => {
                let rate = (objects - before) as f64 / (at - then).as_secs_f64();
                // Past the likely size: it should end any moment.
                let left = total.saturating_sub(objects).max(1) as f64;
                Some(Duration::from_secs_f64(left / rate))
            }
            _ => None,
        };
        self.seen = Some((at, objects));
        timed.map_or(ramp, |t| t.clamp(FLOOR, CAP))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn the_first_polls_come_quickly_and_the_wait_stops_growing_at_the_cap() {
        let mut p = PollPlan::new(ms(250), None);
        let waits: Vec<u128> = (0..8)
            .map(|i| p.after(ms(300 * i), 0).as_millis())
            .collect();
        assert_eq!(waits, [250, 375, 562, 843, 1265, 1898, 2000, 2000]);
    }

    #[test]
    fn a_growing_count_times_the_next_poll_to_the_likely_end() {
        let mut p = PollPlan::new(ms(250), Some(10_000));
        assert_eq!(p.after(ms(250), 1_000), ms(250), "no rate yet");
        // 1,000 objects in 500 ms: 2,000 a second, 8,000 to go → 4 s, capped.
        assert_eq!(p.after(ms(750), 2_000), CAP);
        // 7,000 more in 3.5 s; 1,000 left at 2,000 a second → 500 ms.
        assert_eq!(p.after(ms(4_250), 9_000), ms(500));
        // Past the likely size: as soon as allowed.
        assert_eq!(p.after(ms(4_750), 11_000), FLOOR);
        // A count that stands still says nothing: the ramp goes on.
        let mut still = PollPlan::new(ms(250), Some(10_000));
        still.after(ms(250), 500);
        assert_eq!(still.after(ms(500), 500), ms(375));
    }
}
