// In progress (issue 3): see ooxml.h / docs/modules/review.md.
