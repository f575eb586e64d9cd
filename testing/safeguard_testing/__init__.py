"""Test support shared by every tier (on pytest's pythonpath; never installed, never imported by product code)."""
