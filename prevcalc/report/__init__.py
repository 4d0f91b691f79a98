"""Reports: tables (numbers become presentation here), then one writer per format."""
