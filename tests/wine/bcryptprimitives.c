/* For the Windows tests under Wine 8 (Debian 12's), which lacks
 * bcryptprimitives.dll: Rust's standard library draws its random seeds
 * from its ProcessPrng (Windows 10 and later have it). This one forwards
 * to RtlGenRandom. Built by tests/tests/ship_windows.rs with mingw-w64 and
 * put beside the shipped executable of the test's copy; never shipped. */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length) {
    while (length > 0) {
        ULONG chunk = length > 0x10000000 ? 0x10000000 : (ULONG)length;
        if (!SystemFunction036(data, chunk)) {
            return FALSE;
        }
        data += chunk;
        length -= chunk;
    }
    return TRUE;
}
