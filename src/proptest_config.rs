//! How property tests run: a bounded number of cases from a fixed seed, so `make test` stays
//! quick and tries the same cases every time, unless `PROPTEST_CASES` asks for a fuzzing run
//! (`make fuzz`), which also takes fresh seeds. A failure is saved under
//! proptest-regressions/ and replayed first from then on. The unit tests' properties and
//! tests/parsers.rs (by path) share this file.

use proptest::test_runner::{Config, RngSeed};

pub fn config(cases: u32) -> Config {
    let mut config = Config::default();
    if std::env::var_os("PROPTEST_CASES").is_none() {
        config.cases = cases;
        if std::env::var_os("PROPTEST_RNG_SEED").is_none() {
            config.rng_seed = RngSeed::Fixed(20);
        }
    }
    config
}
