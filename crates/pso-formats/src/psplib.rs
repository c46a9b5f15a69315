//! PSPLIB single-mode instances.
