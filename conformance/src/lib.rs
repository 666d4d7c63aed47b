//! Scenario runner for H.248 conformance suites (issue 6 and later build it).
#![forbid(unsafe_code)]
