/* searchkit.text._viterbi: the two-label Viterbi of searchkit.text.segment._Model._decode, in C.
 *
 * Optional: searchkit works without it (the pure-Python _decode is the reference and the
 * fallback). Decoder.decode computes exactly what _decode computes: the same double additions
 * and subtractions in the same order (no multiplication of doubles, so no fused multiply-add can
 * change a rounding), the same comparisons, so the labels and the near-tie flag are identical.
 * The n-gram code sets become open-addressing tables of int64 codes; codes stay below base**3,
 * which the constructor checks fits in an int64.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <float.h>
#include <stdint.h>
#include <string.h>

#if !defined(FLT_EVAL_METHOD) || FLT_EVAL_METHOD != 0
/* x87 excess precision would round differently from Python's doubles: build nothing (the
 * extension is optional, so searchkit installs without it and uses the Python decoder). */
#error "searchkit.text._viterbi needs FLT_EVAL_METHOD == 0 (double arithmetic in doubles)"
#endif

/* A set of positive int64 codes (0 marks an empty slot; no code is 0). */
typedef struct {
    int64_t *slots;
    uint64_t mask;
} CodeSet;

static inline uint64_t
code_hash(int64_t code)
{
    uint64_t h = (uint64_t)code * 0x9E3779B97F4A7C15ULL;
    return h ^ (h >> 29);
}

static inline int
codeset_contains(const CodeSet *set, int64_t code)
{
    uint64_t i = code_hash(code) & set->mask;
    for (;;) {
        int64_t slot = set->slots[i];
        if (slot == 0) {
            return 0;
        }
        if (slot == code) {
            return 1;
        }
        i = (i + 1) & set->mask;
    }
}

/* Fill ``set`` from an iterable of ints in [1, limit); returns -1 with an exception set on error. */
static int
codeset_init(CodeSet *set, PyObject *codes, int64_t limit)
{
    Py_ssize_t size = PyObject_Size(codes);
    if (size < 0) {
        return -1;
    }
    uint64_t capacity = 8;
    while (capacity < 2 * (uint64_t)size + 2) {
        capacity <<= 1;
    }
    set->slots = PyMem_Calloc(capacity, sizeof(int64_t));
    if (set->slots == NULL) {
        PyErr_NoMemory();
        return -1;
    }
    set->mask = capacity - 1;
    PyObject *iterator = PyObject_GetIter(codes);
    if (iterator == NULL) {
        return -1;
    }
    PyObject *item;
    while ((item = PyIter_Next(iterator)) != NULL) {
        long long code = PyLong_AsLongLong(item);
        Py_DECREF(item);
        if (code == -1 && PyErr_Occurred()) {
            Py_DECREF(iterator);
            return -1;
        }
        if (code <= 0 || code >= limit) {
            Py_DECREF(iterator);
            PyErr_Format(PyExc_ValueError, "n-gram code %lld out of range (1 to %lld)", code, (long long)limit - 1);
            return -1;
        }
        uint64_t i = code_hash(code) & set->mask;
        while (set->slots[i] != 0 && set->slots[i] != code) {
            i = (i + 1) & set->mask;
        }
        set->slots[i] = code;
    }
    Py_DECREF(iterator);
    return PyErr_Occurred() ? -1 : 0;
}

typedef struct {
    PyObject_HEAD
    double t00, t01, t10, t11;
    double bigram_m, bigram_p, trigram_m, trigram_p;
    int64_t base;
    CodeSet bigrams, heads, trigrams;
} Decoder;

static void
Decoder_dealloc(Decoder *self)
{
    PyMem_Free(self->bigrams.slots);
    PyMem_Free(self->heads.slots);
    PyMem_Free(self->trigrams.slots);
    Py_TYPE(self)->tp_free((PyObject *)self);
}

static int
Decoder_init(Decoder *self, PyObject *args, PyObject *kwargs)
{
    static char *keywords[] = {"transitions", "ngram_differences", "bigram_codes", "trigram_heads", "trigram_codes", "base", NULL};
    PyObject *bigrams, *heads, *trigrams;
    long long base;
    if (self->bigrams.slots != NULL) {
        PyErr_SetString(PyExc_TypeError, "Decoder is already initialized");
        return -1;
    }
    if (!PyArg_ParseTupleAndKeywords(args, kwargs, "(dddd)(dddd)OOOL:Decoder", keywords, &self->t00, &self->t01, &self->t10, &self->t11,
                                     &self->bigram_m, &self->bigram_p, &self->trigram_m, &self->trigram_p, &bigrams, &heads, &trigrams, &base)) {
        return -1;
    }
    /* codes reach base**3 - 1 (a trigram code, or a bigram code times base plus a code) */
    if (base < 1 || base > 2000000) {
        PyErr_Format(PyExc_ValueError, "base %lld out of range (1 to 2,000,000: base**3 must fit in 63 bits)", base);
        return -1;
    }
    self->base = base;
    if (codeset_init(&self->bigrams, bigrams, base * base) < 0 || codeset_init(&self->heads, heads, base * base) < 0 ||
        codeset_init(&self->trigrams, trigrams, base * base * base) < 0) {
        return -1;
    }
    return 0;
}

typedef struct {
    int64_t code;
    double own, before, after;
} Facts;

/* The facts _decode unpacks from one _Syllable (lower, code, own, before, after, ...). */
static int
read_facts(PyObject *syllable, int64_t base, Facts *facts)
{
    if (!PyTuple_Check(syllable) || PyTuple_GET_SIZE(syllable) < 5) {
        PyErr_SetString(PyExc_TypeError, "a syllable must be a _Syllable tuple");
        return -1;
    }
    long long code = PyLong_AsLongLong(PyTuple_GET_ITEM(syllable, 1));
    if (code == -1 && PyErr_Occurred()) {
        return -1;
    }
    if (code < 0 || code >= base) {
        PyErr_Format(PyExc_ValueError, "syllable code %lld out of range (0 to %lld)", code, (long long)base - 1);
        return -1;
    }
    facts->code = code;
    facts->own = PyFloat_AsDouble(PyTuple_GET_ITEM(syllable, 2));
    facts->before = PyFloat_AsDouble(PyTuple_GET_ITEM(syllable, 3));
    facts->after = PyFloat_AsDouble(PyTuple_GET_ITEM(syllable, 4));
    return PyErr_Occurred() ? -1 : 0;
}

/* One Viterbi step on the difference d, as in _decode; returns the new difference. */
static inline double
step(const Decoder *self, double d, double e, double c0, double c1, double low0, double high0, double low1, double high1, unsigned char *back,
     int *near_tie)
{
    double m0, m1;
    unsigned char choice;
    if ((low0 < d && d < high0) || (low1 < d && d < high1)) {
        *near_tie = 1;
    }
    if (d < c0) {
        m0 = self->t10;
        choice = 1;
    }
    else {
        m0 = d + self->t00;
        choice = 0;
    }
    if (d < c1) {
        m1 = self->t11;
        choice |= 2;
    }
    else {
        m1 = d + self->t01;
    }
    *back = choice;
    return m0 - m1 + e;
}

static PyObject *
viterbi(const Decoder *self, const Facts *facts, Py_ssize_t n, double tolerance, unsigned char *back)
{
    const int64_t base = self->base;
    const double c0 = self->t10 - self->t00, c1 = self->t11 - self->t01;
    const double low0 = c0 - tolerance, high0 = c0 + tolerance, low1 = c1 - tolerance, high1 = c1 + tolerance;
    int near_tie = 0;
    int64_t prev_code = facts[0].code;
    double e = facts[0].own, prev_before = facts[0].before;
    double late = 0.0, d = 0.0;
    for (Py_ssize_t t = 1; t < n; t++) {
        const Facts *cur = &facts[t];
        e += cur->after;
        double c = cur->own + prev_before + late;
        late = 0.0;
        int64_t code = prev_code * base + cur->code;
        if (codeset_contains(&self->bigrams, code)) {
            e += self->bigram_p;
            c += self->bigram_m;
        }
        if (codeset_contains(&self->heads, code) && t + 1 < n && codeset_contains(&self->trigrams, code * base + facts[t + 1].code)) {
            e += self->trigram_p;
            late = self->trigram_m;
        }
        if (t == 1) {
            d = e;
        }
        else {
            d = step(self, d, e, c0, c1, low0, high0, low1, high1, &back[t - 1], &near_tie);
        }
        e = c;
        prev_code = cur->code;
        prev_before = cur->before;
    }
    if (n == 1) {
        d = e;
    }
    else {
        d = step(self, d, e, c0, c1, low0, high0, low1, high1, &back[n - 1], &near_tie);
    }
    if (-tolerance < d && d < tolerance) {
        near_tie = 1;
    }
    int label = d < 0.0 ? 1 : 0;
    PyObject *labels = PyList_New(n);
    if (labels == NULL) {
        return NULL;
    }
    PyObject *zero = PyLong_FromLong(0), *one = PyLong_FromLong(1);
    for (Py_ssize_t t = n - 1; t >= 0; t--) {
        PyObject *value = label ? one : zero;
        Py_INCREF(value);
        PyList_SET_ITEM(labels, t, value);
        label = (back[t] >> label) & 1;
    }
    Py_DECREF(zero);
    Py_DECREF(one);
    return Py_BuildValue("(NO)", labels, near_tie ? Py_True : Py_False);
}

static PyObject *
Decoder_decode(Decoder *self, PyObject *const *args, Py_ssize_t nargs)
{
    if (self->bigrams.slots == NULL) {
        PyErr_SetString(PyExc_TypeError, "Decoder is not initialized");
        return NULL;
    }
    if (nargs != 2) {
        PyErr_Format(PyExc_TypeError, "decode() takes 2 arguments (%zd given)", nargs);
        return NULL;
    }
    double tolerance = PyFloat_AsDouble(args[1]);
    if (tolerance == -1.0 && PyErr_Occurred()) {
        return NULL;
    }
    PyObject *found = PySequence_Fast(args[0], "decode() needs a list of syllables");
    if (found == NULL) {
        return NULL;
    }
    Py_ssize_t n = PySequence_Fast_GET_SIZE(found);
    if (n == 0) {
        Py_DECREF(found);
        PyErr_SetString(PyExc_IndexError, "decode() needs at least one syllable");
        return NULL;
    }
    PyObject *result = NULL;
    Facts *facts = PyMem_Malloc((size_t)n * sizeof(Facts));
    unsigned char *back = PyMem_Calloc((size_t)n, 1);
    if (facts == NULL || back == NULL) {
        PyErr_NoMemory();
        goto done;
    }
    PyObject **items = PySequence_Fast_ITEMS(found);
    for (Py_ssize_t t = 0; t < n; t++) {
        if (read_facts(items[t], self->base, &facts[t]) < 0) {
            goto done;
        }
    }
    result = viterbi(self, facts, n, tolerance, back);
done:
    PyMem_Free(facts);
    PyMem_Free(back);
    Py_DECREF(found);
    return result;
}

static PyMethodDef Decoder_methods[] = {
    {"decode", (PyCFunction)(void (*)(void))Decoder_decode, METH_FASTCALL,
     "decode(found, tolerance) -> (labels, near_tie)\n\nWhat searchkit.text.segment._Model._decode returns, bit for bit."},
    {NULL, NULL, 0, NULL},
};

static PyTypeObject DecoderType = {
    PyVarObject_HEAD_INIT(NULL, 0).tp_name = "searchkit.text._viterbi.Decoder",
    .tp_basicsize = sizeof(Decoder),
    .tp_dealloc = (destructor)Decoder_dealloc,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Decoder(transitions, ngram_differences, bigram_codes, trigram_heads, trigram_codes, base)\n\n"
              "pyvi's CRF transitions and n-gram tables, for decode().",
    .tp_methods = Decoder_methods,
    .tp_init = (initproc)Decoder_init,
    .tp_new = PyType_GenericNew,
};

static struct PyModuleDef viterbi_module = {
    PyModuleDef_HEAD_INIT,
    .m_name = "searchkit.text._viterbi",
    .m_doc = "The segmentation Viterbi of searchkit.text.segment in C (optional accelerator).",
    .m_size = -1,
};

PyMODINIT_FUNC
PyInit__viterbi(void)
{
    if (PyType_Ready(&DecoderType) < 0) {
        return NULL;
    }
    PyObject *module = PyModule_Create(&viterbi_module);
    if (module == NULL) {
        return NULL;
    }
    Py_INCREF(&DecoderType);
    if (PyModule_AddObject(module, "Decoder", (PyObject *)&DecoderType) < 0) {
        Py_DECREF(&DecoderType);
        Py_DECREF(module);
        return NULL;
    }
    return module;
}
