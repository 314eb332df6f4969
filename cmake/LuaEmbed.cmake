# SPDX-License-Identifier: ISC
# marimba_embed_lua(<var> <script>...): each <script>.lua of the calling
# folder becomes a C source defining the string constant <script>_lua
# (cmake/lua_embed.cmake), so a Redis script lives in a readable file of
# its own and is still built into the binary. <var> gets the sources.
set(MARIMBA_LUA_EMBED ${CMAKE_CURRENT_LIST_DIR}/lua_embed.cmake)

function(marimba_embed_lua var)
	set(gen ${CMAKE_CURRENT_BINARY_DIR}/lua)
	set(sources)
	foreach(script ${ARGN})
		add_custom_command(
			OUTPUT ${gen}/${script}_lua.c
			COMMAND ${CMAKE_COMMAND} -DIN=${script}.lua
			    -DOUT=${gen}/${script}_lua.c -DNAME=${script}_lua
			    -P ${MARIMBA_LUA_EMBED}
			WORKING_DIRECTORY ${CMAKE_CURRENT_SOURCE_DIR}
			DEPENDS ${script}.lua ${MARIMBA_LUA_EMBED}
			COMMENT "embed ${script}.lua")
		list(APPEND sources ${gen}/${script}_lua.c)
	endforeach()
	set(${var} ${sources} PARENT_SCOPE)
endfunction()
