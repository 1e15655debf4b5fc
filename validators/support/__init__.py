"""Helpers of the checks: rule data, name matching, image measures, e-bill QR codes."""
