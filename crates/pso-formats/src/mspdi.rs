//! MS Project XML (MSPDI).
