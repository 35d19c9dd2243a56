//! Keeps the server's resident memory near what it uses, under glibc's allocator.
//!
//! glibc gives each thread that allocates under contention an arena of its own (up to eight
//! per core), raises its threshold for `mmap` to 32 MiB once a large block is freed (so later
//! large blocks, a bulk change's rows or an export's page, come from the heap and stay there),
//! and keeps freed pages inside an arena until something asks for them back. After a burst
//! of work RSS stays where the burst left it. [`tune`] caps the arenas and pins the `mmap`
//! threshold; [`spawn_trimmer`] hands freed pages back to the system while the server idles
//! between bursts. Both are no-ops elsewhere than Linux with glibc.

use std::time::Duration;

/// Arenas: the tokio workers, sqlx's SQLite threads and the blocking pool share these.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const ARENAS: libc::c_int = 2;
/// Blocks from this size up are mapped on their own and returned when freed.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
const MMAP_FROM: libc::c_int = 256 * 1024;

/// How often freed memory is handed back: rarely enough that its cost (a walk of the
/// arenas' free lists, well under a millisecond at this size) is nothing.
pub const TRIM_EVERY: Duration = Duration::from_secs(5);

/// Sets the allocator's limits. Call before any thread is started: arenas made before it
/// are kept.
pub fn tune() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: mallopt only sets allocator parameters; it is called before other threads exist.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, ARENAS);
        libc::mallopt(libc::M_MMAP_THRESHOLD, MMAP_FROM);
    }
}

/// Returns the allocator's free pages to the system now; true when any were.
pub fn trim() -> bool {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim takes the arenas' locks itself; it touches no memory in use.
    unsafe {
        libc::malloc_trim(0) == 1
    }
    #[cfg(not(all(target_os = "linux", target_env = "gnu")))]
    false
}

/// Trims every [`TRIM_EVERY`], for as long as the runtime runs.
pub fn spawn_trimmer() {
    tokio::spawn(async {
        let mut tick = tokio::time::interval(TRIM_EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            trim();
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    fn resident_bytes() -> u64 {
        let status = std::fs::read_to_string("/proc/self/status").unwrap();
        let kb: u64 = status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .unwrap();
        kb * 1024
    }

    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    #[test]
    fn memory_freed_after_a_burst_of_small_blocks_goes_back_to_the_system_when_trimmed() {
        tune();
        // 64 MiB in blocks below the mmap threshold, freed all but the last: the heap's top
        // is held, so glibc's own trimming at free cannot hand the rest back.
        let mut blocks: Vec<Vec<u8>> = (0..64 * 1024).map(|i| vec![i as u8; 1024]).collect();
        let keep = blocks.pop();
        let peak = resident_bytes();
        drop(blocks);
        trim();
        let after = resident_bytes();
        assert!(
            after + 32 * 1024 * 1024 < peak,
            "RSS {peak} at the peak, {after} after trimming"
        );
        drop(keep);
    }
}
