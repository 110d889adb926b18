add_library(sw_review_markup encoding.cc html.cc)
target_link_libraries(sw_review_markup PUBLIC sw_base PRIVATE PkgConfig::GUMBO PkgConfig::UCHARDET)
