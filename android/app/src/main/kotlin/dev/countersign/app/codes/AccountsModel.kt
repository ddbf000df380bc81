package dev.countersign.app.codes

import androidx.lifecycle.ViewModel
import androidx.lifecycle.viewModelScope
import dev.countersign.app.CountersignApp
import dev.countersign.app.userMessage
import dev.countersign.ffi.CodeItem
import kotlinx.coroutines.flow.MutableStateFlow
import kotlinx.coroutines.flow.SharingStarted
import kotlinx.coroutines.flow.StateFlow
import kotlinx.coroutines.flow.catch
import kotlinx.coroutines.flow.combine
import kotlinx.coroutines.flow.emitAll
import kotlinx.coroutines.flow.flow
import kotlinx.coroutines.flow.map
import kotlinx.coroutines.flow.stateIn

/** What the codes screen shows. */
sealed class CodesState {
    data object Loading : CodesState()

    data class Shown(val items: List<CodeItem>, val searching: Boolean) : CodesState()

    data class Failed(val message: String) : CodesState()
}

/**
 * The codes screen's state, kept across rotation: the search typed, and the
 * live codes (one core call a second while the screen is visible, and for 5 s
 * after, so a rotation does not restart the ticker).
 */
class AccountsModel(private val app: CountersignApp) : ViewModel() {

    val search = MutableStateFlow("")

    val codes: StateFlow<CodesState> =
        flow { emitAll(app.countersign().codes()) }
            .combine(search) { view, query ->
                CodesState.Shown(view.items.filter { CodeFilter.matches(it, query) }, query.isNotBlank()) as CodesState
            }
            .catch { emit(CodesState.Failed(it.userMessage())) }
            .stateIn(viewModelScope, SharingStarted.WhileSubscribed(5_000), CodesState.Loading)
}

/** Search: the typed words, each found in the issuer or account name, any case. */
object CodeFilter {
    fun matches(item: CodeItem, query: String): Boolean {
        val haystack = listOfNotNull(item.issuer, item.name).joinToString(" ").lowercase()
        return query.lowercase().split(' ').filter { it.isNotBlank() }.all { it in haystack }
    }
}
