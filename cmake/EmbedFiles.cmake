# sw_embed_files(<out-var> DIR <dir> GLOB <pattern> [RECURSE] NAMESPACE <ns> FUNCTION <name> COMMENT <text>)
# Sets <out-var> to a generated .cc (in the current binary dir) defining
# std::vector<std::pair<std::string_view, std::string_view>> <ns>::<name>() over the files (see
# cmake/embed_files.cmake). Adding, removing or editing a file regenerates it.
set(SW_EMBED_FILES_SCRIPT ${CMAKE_CURRENT_LIST_DIR}/embed_files.cmake)
function(sw_embed_files out_var)
  cmake_parse_arguments(E "RECURSE" "DIR;GLOB;NAMESPACE;FUNCTION;COMMENT" "" ${ARGN})
  if(E_RECURSE)
    file(GLOB_RECURSE files CONFIGURE_DEPENDS ${E_DIR}/${E_GLOB})
    set(recurse ON)
  else()
    file(GLOB files CONFIGURE_DEPENDS ${E_DIR}/${E_GLOB})
    set(recurse OFF)
  endif()
  set(output ${CMAKE_CURRENT_BINARY_DIR}/${E_FUNCTION}.cc)
  # The set of files is part of the command line, so adding or removing a file regenerates the source.
  string(MD5 files_set "${files}")
  add_custom_command(
    OUTPUT ${output}
    COMMAND ${CMAKE_COMMAND} -DDIR=${E_DIR} -DGLOB=${E_GLOB} -DRECURSE=${recurse} -DNAMESPACE=${E_NAMESPACE}
            -DFUNCTION=${E_FUNCTION} -DOUTPUT=${output} -DFILES_SET=${files_set} -P ${SW_EMBED_FILES_SCRIPT}
    DEPENDS ${files} ${SW_EMBED_FILES_SCRIPT}
    COMMENT "${E_COMMENT}"
    VERBATIM)
  set(${out_var} ${output} PARENT_SCOPE)
endfunction()
