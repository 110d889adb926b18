// Test fixtures: OOXML and PDF files generated in the tests (issue 3, in progress).
