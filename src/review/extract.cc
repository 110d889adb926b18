// In progress (issue 3): see extract.h / docs/modules/review.md.
