# sw_review_match: lexicons (TOML and plain lists), the shipped starter lexicons embedded at build
# time, and the vectorscan matcher.
file(GLOB SW_REVIEW_LEXICONS CONFIGURE_DEPENDS ${CMAKE_CURRENT_SOURCE_DIR}/lexicons/*.toml)
set(SW_REVIEW_LEXICONS_CC ${CMAKE_CURRENT_BINARY_DIR}/lexicons_embedded.cc)
# The set of files is part of the command line, so adding or removing a file regenerates the source.
string(MD5 SW_REVIEW_LEXICONS_SET "${SW_REVIEW_LEXICONS}")
add_custom_command(
  OUTPUT ${SW_REVIEW_LEXICONS_CC}
  COMMAND ${CMAKE_COMMAND} -DLEXICONS_DIR=${CMAKE_CURRENT_SOURCE_DIR}/lexicons -DOUTPUT=${SW_REVIEW_LEXICONS_CC}
          -DLEXICONS_SET=${SW_REVIEW_LEXICONS_SET} -P ${CMAKE_CURRENT_SOURCE_DIR}/embed_lexicons.cmake
  DEPENDS ${SW_REVIEW_LEXICONS} ${CMAKE_CURRENT_SOURCE_DIR}/embed_lexicons.cmake
  COMMENT "Embedding the starter lexicons"
  VERBATIM)
add_library(sw_review_match lexicon.cc matcher.cc ${SW_REVIEW_LEXICONS_CC})
target_link_libraries(sw_review_match PUBLIC sw_review_text PRIVATE PkgConfig::VECTORSCAN PkgConfig::TOMLPP)
