//! Pure parsers of kernel data formats: bytes in, typed values or an error out.
//!
//! No function here touches the file system. Each takes the bytes of one file (and
//! the few constants it needs, such as clock ticks) plus the path the bytes came from,
//! used only to name the file in errors. They are public so that the fuzz targets and
//! fixture tests can call them; they are not part of the stable API.

pub mod cpuinfo;
pub mod cpulist;
pub mod diskstats;
pub mod field_errors;
pub mod kstats;
pub mod loadavg;
pub mod meminfo;
pub mod mounts;
pub mod netdev;
pub mod num;
pub mod pid_files;
pub mod pid_stat;
pub mod pid_status;
pub mod proc_stat;
pub mod procnet;
pub mod smaps;
pub mod sockdiag;
pub mod userdb;
pub mod utmp;
pub mod vmstat;
pub mod zoneinfo;
