//! Which pages of a buffer were written since the last look, from the
//! kernel: the buffer is registered with a userfaultfd in asynchronous
//! write-protect mode (Linux 6.7+), and one `PAGEMAP_SCAN` ioctl both lists
//! the pages written since and protects them again.
//!
//! No signal, no `mprotect`, nothing runs on a write: the first write to a
//! protected page takes a minor fault that the kernel resolves by itself
//! (that is what "asynchronous" means), marking the page written. The
//! same machinery serves CRIU's and Wine's write tracking. Soft-dirty bits
//! (`/proc/self/clear_refs`) would do it on older kernels, but they are
//! process-wide and not built into every kernel (this project's CI kernel
//! lacks `CONFIG_MEM_SOFT_DIRTY`); without userfaultfd the caller copies
//! everything instead.

use std::fs::File;
use std::io;
use std::ops::Range;
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};

// From <linux/userfaultfd.h> and <linux/fs.h>.
const UFFD_API: u64 = 0xaa;
const UFFD_USER_MODE_ONLY: libc::c_int = 1;
const UFFD_FEATURE_WP_HUGETLBFS_SHMEM: u64 = 1 << 12;
const UFFD_FEATURE_WP_UNPOPULATED: u64 = 1 << 13;
const UFFD_FEATURE_WP_ASYNC: u64 = 1 << 15;
const UFFDIO_REGISTER_MODE_WP: u64 = 1 << 1;
const UFFDIO_WRITEPROTECT_MODE_WP: u64 = 1 << 0;
const PM_SCAN_WP_MATCHING: u64 = 1 << 0;
const PM_SCAN_CHECK_WPASYNC: u64 = 1 << 1;
const PAGE_IS_WRITTEN: u64 = 1 << 1;

/// `_IOWR(type, nr, size)`.
const fn iowr(kind: u8, nr: u8, size: usize) -> libc::c_ulong {
    (3 << 30)
        | ((size as libc::c_ulong) << 16)
        | ((kind as libc::c_ulong) << 8)
        | nr as libc::c_ulong
}

#[repr(C)]
struct UffdioApi {
    api: u64,
    features: u64,
    ioctls: u64,
}

#[repr(C)]
struct UffdioRange {
    start: u64,
    len: u64,
}

#[repr(C)]
struct UffdioRegister {
    range: UffdioRange,
    mode: u64,
    ioctls: u64,
}

#[repr(C)]
struct UffdioWriteprotect {
    range: UffdioRange,
    mode: u64,
}

#[repr(C)]
struct PmScanArg {
    size: u64,
    flags: u64,
    start: u64,
    end: u64,
    walk_end: u64,
    vec: u64,
    vec_len: u64,
    max_pages: u64,
    category_inverted: u64,
    category_mask: u64,
    category_anyof_mask: u64,
    return_mask: u64,
}

#[repr(C)]
#[derive(Clone, Copy, Default)]
struct PageRegion {
    start: u64,
    end: u64,
    categories: u64,
}

const UFFDIO_API: libc::c_ulong = iowr(0xaa, 0x3f, size_of::<UffdioApi>());
const UFFDIO_REGISTER: libc::c_ulong = iowr(0xaa, 0x00, size_of::<UffdioRegister>());
const UFFDIO_WRITEPROTECT: libc::c_ulong = iowr(0xaa, 0x06, size_of::<UffdioWriteprotect>());
const PAGEMAP_SCAN: libc::c_ulong = iowr(b'f', 16, size_of::<PmScanArg>());

/// How many runs of written pages one scan reports; more take another scan.
const REGIONS: usize = 256;

/// The pages of one buffer written since the last [`WrittenPages::take`].
///
/// Dropping it closes the userfaultfd, which unregisters the buffer and
/// lifts the protection. The buffer may be freed before that: the
/// registration goes with its mapping, and until then a write to a page
/// that some other allocation reuses is marked and goes on, unharmed.
pub struct WrittenPages {
    /// Closing it ends the tracking.
    uffd: OwnedFd,
    pagemap: File,
    /// The whole pages that cover the buffer.
    pages: Range<u64>,
    /// Where the buffer starts (inside the first page).
    start: u64,
    len: u64,
    regions: Vec<PageRegion>,
}

impl std::fmt::Debug for WrittenPages {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WrittenPages")
            .field("len", &self.len)
            .finish_non_exhaustive()
    }
}

impl WrittenPages {
    /// Starts tracking writes to `buffer`: from here, every page written
    /// (by anyone in this process) is reported by the next `take`.
    ///
    /// # Errors
    /// When the kernel cannot do it (older than 6.7, userfaultfd not built
    /// in or not allowed, a page already registered by someone else).
    pub fn watch(buffer: &[u8]) -> io::Result<Self> {
        let page = page_size();
        let start = buffer.as_ptr() as u64;
        let len = buffer.len() as u64;
        let pages = start / page * page..(start + len).div_ceil(page) * page;
        // SAFETY: a plain system call with no pointer arguments; the flags
        // ask for a close-on-exec, non-blocking descriptor limited to faults
        // from user mode (what unprivileged processes may have).
        let fd = unsafe {
            libc::syscall(
                libc::SYS_userfaultfd,
                libc::O_CLOEXEC | libc::O_NONBLOCK | UFFD_USER_MODE_ONLY,
            )
        };
        if fd < 0 {
            return Err(io::Error::last_os_error());
        }
        let raw = libc::c_int::try_from(fd).map_err(io::Error::other)?;
        // SAFETY: `raw` is a descriptor the kernel just opened for us and
        // that nothing else owns.
        let uffd = unsafe { OwnedFd::from_raw_fd(raw) };
        let wanted =
            UFFD_FEATURE_WP_ASYNC | UFFD_FEATURE_WP_UNPOPULATED | UFFD_FEATURE_WP_HUGETLBFS_SHMEM;
        let mut api = UffdioApi {
            api: UFFD_API,
            features: wanted,
            ioctls: 0,
        };
        // SAFETY: `UFFDIO_API` takes a `uffdio_api`, which `api` is.
        unsafe { ioctl(&uffd, UFFDIO_API, &mut api) }?;
        // Without the asynchronous mode a write to a protected page would
        // wait for a handler that does not exist: never register then.
        if api.features & wanted != wanted {
            return Err(io::Error::other(
                "the kernel lacks asynchronous write protection",
            ));
        }
        let mut register = UffdioRegister {
            range: UffdioRange {
                start: pages.start,
                len: pages.end - pages.start,
            },
            mode: UFFDIO_REGISTER_MODE_WP,
            ioctls: 0,
        };
        // SAFETY: `UFFDIO_REGISTER` takes a `uffdio_register`. The range
        // covers only the buffer's own pages (a heap page it shares with
        // other allocations at most), and the asynchronous mode checked
        // above means a write there never waits.
        unsafe { ioctl(&uffd, UFFDIO_REGISTER, &mut register) }?;
        let pagemap = File::open("/proc/self/pagemap")?;
        let mut watched = Self {
            uffd,
            pagemap,
            pages,
            start,
            len,
            regions: vec![PageRegion::default(); REGIONS],
        };
        watched.protect(0..buffer.len(), true)?;
        // A scan now proves the whole path works before anyone relies on it.
        watched.take(0..buffer.len(), |_| {})?;
        Ok(watched)
    }

    /// The whole pages under bytes `within` of the buffer, as addresses.
    fn pages_of(&self, within: &Range<usize>) -> Range<u64> {
        let page = page_size();
        let from = (self.start + within.start as u64) / page * page;
        let to = (self.start + within.end as u64).div_ceil(page) * page;
        from.max(self.pages.start)..to.min(self.pages.end)
    }

    /// Protects the pages under bytes `within` of the buffer (`on`), so the
    /// next write to each is reported, or lifts that (no more faults there:
    /// the caller must then assume those pages written).
    ///
    /// # Errors
    /// When the kernel refuses.
    pub fn protect(&mut self, within: Range<usize>, on: bool) -> io::Result<()> {
        let pages = self.pages_of(&within);
        let mut protect = UffdioWriteprotect {
            range: UffdioRange {
                start: pages.start,
                len: pages.end - pages.start,
            },
            mode: if on { UFFDIO_WRITEPROTECT_MODE_WP } else { 0 },
        };
        // SAFETY: `UFFDIO_WRITEPROTECT` takes a `uffdio_writeprotect`, on
        // registered pages, which the asynchronous mode unprotects by itself
        // on a write.
        unsafe { ioctl(&self.uffd, UFFDIO_WRITEPROTECT, &mut protect) }.map(drop)
    }

    /// Calls `written` with every byte range (offsets from the buffer's
    /// start) within bytes `within` that lies on a page written, or not
    /// protected, since it was last protected; and protects those pages
    /// again. Allocates nothing.
    ///
    /// # Errors
    /// When a scan fails; the pages not reported by then may have been
    /// written too, so the caller must then assume all were.
    pub fn take(
        &mut self,
        within: Range<usize>,
        mut written: impl FnMut(Range<usize>),
    ) -> io::Result<()> {
        let pages = self.pages_of(&within);
        let (first, last) = (within.start as u64, within.end as u64);
        let mut from = pages.start;
        while from < pages.end {
            let mut scan = PmScanArg {
                size: size_of::<PmScanArg>() as u64,
                flags: PM_SCAN_WP_MATCHING | PM_SCAN_CHECK_WPASYNC,
                start: from,
                end: pages.end,
                walk_end: 0,
                vec: self.regions.as_mut_ptr() as u64,
                vec_len: self.regions.len() as u64,
                max_pages: 0,
                category_inverted: 0,
                category_mask: PAGE_IS_WRITTEN,
                category_anyof_mask: 0,
                return_mask: PAGE_IS_WRITTEN,
            };
            // SAFETY: `PAGEMAP_SCAN` takes a `pm_scan_arg`; it writes at
            // most `vec_len` page regions to `vec`, which is `regions`,
            // exclusively borrowed here.
            let found = unsafe { ioctl(&self.pagemap, PAGEMAP_SCAN, &mut scan) }?;
            for region in self.regions.iter().take(found) {
                let start = (region.start.max(self.start) - self.start).max(first);
                let end = (region.end.min(self.start + self.len) - self.start).min(last);
                if start < end {
                    written(start as usize..end as usize);
                }
            }
            if scan.walk_end <= from {
                return Err(io::Error::other("the page scan did not advance"));
            }
            from = scan.walk_end;
        }
        Ok(())
    }
}

/// Runs the ioctl `request` on `fd` with `arg`; its non-negative result.
///
/// # Safety
/// `request` takes a pointer to a `T` (the `#[repr(C)]` struct of the
/// kernel's headers that goes with it), and any memory that `arg` points
/// the kernel at is valid for what the request does with it.
unsafe fn ioctl<T>(fd: &impl AsRawFd, request: libc::c_ulong, arg: &mut T) -> io::Result<usize> {
    // SAFETY: forwarded to the caller; `arg` is valid and exclusive for the call.
    let result = unsafe { libc::ioctl(fd.as_raw_fd(), request, std::ptr::from_mut(arg)) };
    usize::try_from(result).map_err(|_| io::Error::last_os_error())
}

/// The page size, 4096 when the system will not say.
fn page_size() -> u64 {
    // SAFETY: `sysconf` reads a constant of the system; no pointers.
    let size = unsafe { libc::sysconf(libc::_SC_PAGESIZE) };
    u64::try_from(size).ok().filter(|s| *s > 0).unwrap_or(4096)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs `test` with a tracker on `buffer`, or says why it is skipped
    /// (the kernel may not offer tracking; the engine then copies all).
    fn tracked(buffer: &[u8]) -> Option<WrittenPages> {
        match WrittenPages::watch(buffer) {
            Ok(watched) => Some(watched),
            Err(error) => {
                eprintln!("SKIPPED: no write tracking here ({error})");
                None
            }
        }
    }

    fn taken(watched: &mut WrittenPages) -> Vec<Range<usize>> {
        let mut ranges = Vec::new();
        let len = watched.len as usize;
        watched.take(0..len, |range| ranges.push(range)).unwrap();
        ranges
    }

    /// `pages` whole pages inside `storage`, away from its first and last
    /// page: on a heap page shared with other allocations, their writes
    /// are reported too.
    fn own_pages(storage: &mut Vec<u8>, pages: usize) -> &mut [u8] {
        let page = page_size() as usize;
        storage.resize((pages + 3) * page, 0);
        let first = (page - storage.as_ptr() as usize % page) % page + page;
        &mut storage[first..first + pages * page]
    }

    /// The pages (by address) that `ranges` of `buffer` lie on, checking
    /// that each range is whole pages clipped to the buffer.
    fn pages(buffer: &[u8], ranges: &[Range<usize>]) -> Vec<usize> {
        let page = page_size() as usize;
        let base = buffer.as_ptr() as usize;
        let mut pages = Vec::new();
        for range in ranges {
            assert!(range.start < range.end && range.end <= buffer.len());
            let (first, last) = ((base + range.start) / page, (base + range.end - 1) / page);
            assert!(range.start == 0 || (base + range.start).is_multiple_of(page));
            assert!(range.end == buffer.len() || (base + range.end).is_multiple_of(page));
            pages.extend(first..=last);
        }
        pages
    }

    /// The pages that the bytes at `offsets` of `buffer` lie on.
    fn pages_at(buffer: &[u8], offsets: &[usize]) -> Vec<usize> {
        let page = page_size() as usize;
        let mut pages: Vec<usize> = offsets
            .iter()
            .map(|at| (buffer.as_ptr() as usize + at) / page)
            .collect();
        pages.dedup();
        pages
    }

    #[test]
    fn reports_each_written_page_once_clipped_to_the_buffer() {
        let page = page_size() as usize;
        // Not page-aligned: the first and last pages are partly the
        // buffer's, and partly bytes nobody writes (a heap page shared with
        // other allocations would be written by them too, and reported).
        let mut storage = vec![0u8; 64 * page];
        let first = (page - storage.as_ptr() as usize % page) % page + page;
        let buffer = &mut storage[first + 100..first + 40 * page + 7];
        let Some(mut watched) = tracked(buffer) else {
            return;
        };
        assert!(taken(&mut watched).is_empty(), "nothing written yet");
        let offsets = [0, 5 * page, 5 * page + 9, 6 * page, buffer.len() - 1];
        for at in offsets {
            buffer[at] = 1;
        }
        let ranges = taken(&mut watched);
        assert_eq!(pages(buffer, &ranges), pages_at(buffer, &offsets));
        assert_eq!(ranges.first().map(|r| r.start), Some(0));
        assert_eq!(ranges.last().map(|r| r.end), Some(buffer.len()));
        assert!(taken(&mut watched).is_empty(), "protected again");
        buffer[20 * page] = 1;
        let ranges = taken(&mut watched);
        assert_eq!(pages(buffer, &ranges), pages_at(buffer, &[20 * page]));
    }

    #[test]
    fn part_of_the_buffer_can_be_left_unprotected_and_looked_at_alone() {
        let page = page_size() as usize;
        let mut storage = Vec::new();
        let buffer = own_pages(&mut storage, 64);
        let Some(mut watched) = tracked(buffer) else {
            return;
        };
        // Pages 8..16 unprotected: always "written".
        let window = 8 * page..16 * page;
        watched.protect(window.clone(), false).unwrap();
        buffer[2 * page] = 1;
        let mut seen = Vec::new();
        watched
            .take(window.clone(), |range| seen.push(range))
            .unwrap();
        assert_eq!(seen, [window], "the unprotected window only");
        // That scan protected the window again: now only real writes show.
        buffer[9 * page] = 1;
        assert_eq!(
            pages(buffer, &taken(&mut watched)),
            pages_at(buffer, &[2 * page, 9 * page])
        );
    }

    #[test]
    fn many_scattered_pages_take_several_scans() {
        let page = page_size() as usize;
        let mut storage = Vec::new();
        let buffer = own_pages(&mut storage, 4 * REGIONS);
        let Some(mut watched) = tracked(buffer) else {
            return;
        };
        let offsets: Vec<usize> = (0..2 * REGIONS).map(|i| 1 + i * 2 * page).collect();
        for &at in &offsets {
            buffer[at] = 1;
        }
        let ranges = taken(&mut watched);
        assert_eq!(ranges.len(), 2 * REGIONS, "one run per written page");
        assert_eq!(pages(buffer, &ranges), pages_at(buffer, &offsets));
    }
}
