#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| psoxide_fuzz::fuzz_userdb(data));
