//! The simulation's dice: ChaCha8, whose stream is fixed by its
//! specification, and conversions written here from its raw 64-bit words,
//! so that a seed gives the same log on every machine and with every
//! version of `rand` that keeps ChaCha8.

use rand::rngs::ChaCha8Rng;
use rand::{Rng, SeedableRng};

pub(crate) struct Dice(ChaCha8Rng);

impl Dice {
    pub(crate) fn new(seed: u64) -> Dice {
        Dice(ChaCha8Rng::seed_from_u64(seed))
    }

    /// Uniform in [0, 1), from the top 53 bits of a word.
    pub(crate) fn unit(&mut self) -> f64 {
        (self.0.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }

    /// Uniform in [low, high).
    pub(crate) fn between(&mut self, low: f64, high: f64) -> f64 {
        low + (high - low) * self.unit()
    }

    /// Uniform in low..=high.
    pub(crate) fn int(&mut self, low: u64, high: u64) -> u64 {
        low + self.0.next_u64() % (high - low + 1)
    }

    /// True with probability `p`.
    pub(crate) fn chance(&mut self, p: f64) -> bool {
        self.unit() < p
    }

    /// One of `items`, each as likely as its weight.
    pub(crate) fn weighted<'a, T>(&mut self, items: &'a [(T, u32)]) -> &'a T {
        let total: u32 = items.iter().map(|(_, w)| w).sum();
        let mut ticket = self.int(0, u64::from(total) - 1);
        for (item, weight) in items {
            match ticket.checked_sub(u64::from(*weight)) {
                Some(rest) => ticket = rest,
                None => return item,
            }
        }
        &items[items.len() - 1].0
    }

    /// A count with a long tail: the number of failures before a success
    /// of probability `p` (mean (1 - p) / p).
    pub(crate) fn geometric(&mut self, p: f64) -> u64 {
        let mut n = 0;
        while !self.chance(p) && n < 10_000 {
            n += 1;
        }
        n
    }

    /// A point within `radius_m` of (lat, lon), uniform over the disc.
    pub(crate) fn near(&mut self, lat: f64, lon: f64, radius_m: f64) -> (f64, f64) {
        let r = radius_m * self.unit().sqrt();
        let angle = self.between(0.0, std::f64::consts::TAU);
        offset(lat, lon, r * angle.cos(), r * angle.sin())
    }

    /// 32 random bytes in lower-case hex: the digest of a piece of
    /// evidence that exists only in the simulation.
    pub(crate) fn sha256_hex(&mut self) -> String {
        (0..4).map(|_| format!("{:016x}", self.0.next_u64())).collect()
    }
}

/// The point `north_m` north and `east_m` east of (lat, lon), rounded to
/// 5 decimals (about a metre): good enough, and short in the log. `libm` gives the
/// same bits on every machine, where the platform's `cos` may not.
pub(crate) fn offset(lat: f64, lon: f64, north_m: f64, east_m: f64) -> (f64, f64) {
    const METRES_PER_DEGREE: f64 = 111_195.0;
    let lat2 = lat + north_m / METRES_PER_DEGREE;
    let lon2 = lon + east_m / (METRES_PER_DEGREE * libm::cos(lat.to_radians()));
    (round5(lat2), round5(lon2))
}

pub(crate) fn round5(x: f64) -> f64 {
    (x * 1e5).round() / 1e5
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_stream_is_fixed() {
        // The first words of ChaCha8 seeded with 42 through rand_core's
        // seed_from_u64, pinned: if a dependency update changed them, every
        // simulated log would change with it, and this test says so.
        let mut dice = Dice::new(42);
        let first: Vec<u64> = (0..3).map(|_| dice.0.next_u64()).collect();
        assert_eq!(first, [12578764544318200737, 17529487244874322312, 7886285670807131020]);
    }

    #[test]
    fn draws_stay_in_range() {
        let mut dice = Dice::new(7);
        for _ in 0..10_000 {
            let u = dice.unit();
            assert!((0.0..1.0).contains(&u));
            assert!((3..=5).contains(&dice.int(3, 5)));
            let (lat, lon) = dice.near(50.0, 30.0, 1_000.0);
            assert!((lat - 50.0).abs() < 0.0091 && (lon - 30.0).abs() < 0.0141, "{lat} {lon}");
        }
        let picks: Vec<u32> =
            (0..1_000).map(|_| *dice.weighted(&[(1, 1), (2, 0), (3, 3)])).collect();
        assert!(!picks.contains(&2));
        let threes = picks.iter().filter(|&&p| p == 3).count();
        assert!((650..850).contains(&threes), "{threes}");
    }
}
