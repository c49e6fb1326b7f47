//! Giving heap memory the process has freed back to the operating system. The one `unsafe` block
//! of the server (the workspace denies `unsafe_code` everywhere else): a call into the C library.

/// Returns the free pages of every allocator arena to the operating system (`malloc_trim`, on
/// glibc; elsewhere nothing).
#[allow(unsafe_code)]
pub fn release_freed() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only releases memory the allocator holds free; it takes each arena's
    // lock, so it is safe to call while other threads allocate.
    unsafe {
        libc::malloc_trim(0);
    }
}
