"""Label rendering (ZPL II and PDF) from plain data: SSCC, location and product labels."""
