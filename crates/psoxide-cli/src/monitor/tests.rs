//! Tests of the monitor rendered into ratatui's TestBackend.
