"""Device drivers (scanners, label printers, scales) and the wms-station agent; no Flask imports here."""
