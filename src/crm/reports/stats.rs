//! Medians, 90th percentiles and averages of durations.

use serde::Serialize;

/// Figures of a set of durations (seconds).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Stats {
    /// How many.
    pub n: i64,
    /// Median: the middle value (the mean of the two middle ones for an even count, rounded
    /// down to whole seconds).
    pub median: Option<i64>,
    /// 90th percentile by nearest rank: 9 in 10 took at most this.
    pub p90: Option<i64>,
    /// Mean, rounded down.
    pub avg: Option<i64>,
}

impl Stats {
    /// The figures of `values` (reordered in place; linear time, no full sort).
    #[must_use]
    pub fn of(values: &mut [i64]) -> Self {
        let n = values.len();
        if n == 0 {
            return Self::default();
        }
        let (below, &mut middle, _) = values.select_nth_unstable(n / 2);
        let median = if n % 2 == 1 {
            middle
        } else {
            let lower = below.iter().copied().max().unwrap_or(middle);
            (lower + middle).div_euclid(2)
        };
        // Nearest rank: the ceil(0.9 n)-th smallest.
        let rank = (n * 9).div_ceil(10).max(1);
        let p90 = *values.select_nth_unstable(rank - 1).1;
        let sum: i64 = values.iter().sum();
        let count = i64::try_from(n).unwrap_or(i64::MAX);
        Self {
            n: count,
            median: Some(median),
            p90: Some(p90),
            avg: Some(sum.div_euclid(count)),
        }
    }
}

/// A duration in all hours and in business hours.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Timing {
    /// Wall-clock seconds.
    pub all: Stats,
    /// Business seconds.
    pub business: Stats,
}

impl Timing {
    /// From (seconds, business seconds) pairs.
    #[must_use]
    pub fn of(pairs: impl Iterator<Item = (i64, i64)>) -> Self {
        let (mut all, mut business): (Vec<i64>, Vec<i64>) = pairs.unzip();
        Self {
            all: Stats::of(&mut all),
            business: Stats::of(&mut business),
        }
    }

    /// The figures for the chosen clock, to fill in.
    pub fn pick_mut(&mut self, business: bool) -> &mut Stats {
        if business {
            &mut self.business
        } else {
            &mut self.all
        }
    }

    /// The figures for the chosen clock.
    #[must_use]
    pub fn pick(&self, business: bool) -> &Stats {
        if business { &self.business } else { &self.all }
    }
}

/// Seconds as a short duration: "45 s", "12 min", "3 h 05 min", "2 d 4 h".
#[must_use]
pub fn human(secs: i64) -> String {
    let s = secs.max(0);
    match s {
        0..60 => format!("{s} s"),
        60..3600 => format!("{} min", s / 60),
        3600..86_400 => format!("{} h {:02} min", s / 3600, s % 3600 / 60),
        _ => format!("{} d {} h", s / 86_400, s % 86_400 / 3600),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_and_p90_are_exact() {
        let mut v = vec![50, 10, 40, 20, 30];
        let s = Stats::of(&mut v);
        assert_eq!(
            (s.n, s.median, s.p90, s.avg),
            (5, Some(30), Some(50), Some(30))
        );
        let mut v: Vec<i64> = (1..=10).map(|i| i * 60).collect();
        let s = Stats::of(&mut v);
        assert_eq!((s.median, s.p90, s.avg), (Some(330), Some(540), Some(330)));
        let mut v = vec![7];
        assert_eq!(Stats::of(&mut v).p90, Some(7));
        assert_eq!(Stats::of(&mut []), Stats::default());
    }

    #[test]
    fn selection_gives_the_same_figures_as_sorting() {
        let mut seed = 7u64;
        for n in 1..300usize {
            let mut v: Vec<i64> = (0..n)
                .map(|_| {
                    seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
                    i64::try_from(seed >> 50).unwrap_or(0)
                })
                .collect();
            let mut sorted = v.clone();
            sorted.sort_unstable();
            let median = if n % 2 == 1 {
                sorted[n / 2]
            } else {
                (sorted[n / 2 - 1] + sorted[n / 2]).div_euclid(2)
            };
            let p90 = sorted[(n * 9).div_ceil(10) - 1];
            let s = Stats::of(&mut v);
            assert_eq!((s.median, s.p90), (Some(median), Some(p90)), "n = {n}");
        }
    }

    #[test]
    fn durations_read_like_people_say_them() {
        assert_eq!(human(42), "42 s");
        assert_eq!(human(12 * 60 + 5), "12 min");
        assert_eq!(human(3 * 3600 + 5 * 60), "3 h 05 min");
        assert_eq!(human(2 * 86_400 + 4 * 3600), "2 d 4 h");
    }
}
