# sw_review_match: lexicons (TOML and plain lists), the shipped starter lexicons embedded at build
# time, and the vectorscan matcher.
sw_embed_files(SW_REVIEW_LEXICONS_CC DIR ${CMAKE_CURRENT_SOURCE_DIR}/lexicons GLOB *.toml
               NAMESPACE sw::review FUNCTION embedded_lexicon_files COMMENT "Embedding the starter lexicons")
add_library(sw_review_match lexicon.cc matcher.cc ${SW_REVIEW_LEXICONS_CC})
target_link_libraries(sw_review_match PUBLIC sw_review_text PRIVATE PkgConfig::VECTORSCAN PkgConfig::TOMLPP)
