add_library(sw_review_match lexicon.cc matcher.cc)
target_link_libraries(sw_review_match PUBLIC sw_review_text PRIVATE PkgConfig::VECTORSCAN PkgConfig::TOMLPP)
