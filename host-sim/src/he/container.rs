//! Key and ciphertext files (placeholder).
