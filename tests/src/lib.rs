//! Cross-component and end-to-end tests for hearth live in `tests/tests/`.
