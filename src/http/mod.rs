//! HTTP helpers (placeholder).
