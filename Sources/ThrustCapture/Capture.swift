// Capture files.
