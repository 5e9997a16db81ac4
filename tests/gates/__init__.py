"""Tests of levelup.gates (a package so that test module names cannot clash)."""
